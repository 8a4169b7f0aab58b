import { describe, expect, it } from 'vitest';
import { PrefixList, stagedNames } from '../../src/lib/staged-names.js';

describe('stagedNames', () => {
  it('maps every path to itself and lists the files and links in the order given, folders left out', () => {
    // Given a listing in rsync's order
    const names = stagedNames([
      { path: 'a.php', kind: 'file' },
      { path: 'lib', kind: 'dir' },
      { path: 'lib/x.php', kind: 'file' },
      { path: 'link', kind: 'link' },
    ]);
    // Then
    expect([...names.paths.keys()]).toEqual(['a.php', 'lib', 'lib/x.php', 'link']);
    expect(names.files).toEqual(['a.php', 'lib/x.php', 'link']);
  });
});

describe('PrefixList', () => {
  const model = ['a', 'b', 'c'];
  const read = (items: string[]): readonly string[] => {
    const list = new PrefixList(model);
    for (const item of items) list.push(item);
    return list.list();
  };

  it('is the model itself when its items are the whole model, in order', () => {
    expect(read(['a', 'b', 'c'])).toBe(model);
  });

  it('is a copy of the model up to where it stopped, and never the model when shorter', () => {
    const list = read(['a', 'b']);
    expect(list).toEqual(['a', 'b']);
    expect(list).not.toBe(model);
    expect(read([])).toEqual([]);
  });

  it('keeps every item, in order, once one differs: out of order, a gap, or past the end', () => {
    expect(read(['a', 'c', 'b'])).toEqual(['a', 'c', 'b']);
    expect(read(['b'])).toEqual(['b']);
    expect(read(['a', 'b', 'c', 'd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(read(['x', 'a', 'b', 'c'])).toEqual(['x', 'a', 'b', 'c']);
  });

  it('leaves the model untouched', () => {
    read(['a', 'z']);
    read(['a', 'b', 'c', 'd']);
    expect(model).toEqual(['a', 'b', 'c']);
  });
});
