import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/sha256.js';
import { type ChangeSet, type ChangeSetDraft, changeSetHash, changeSetOf, keepChangeSet, readChangeSet, sameDraft } from '../../src/state/kept-trees.js';

/** The draft a run would hold for `changes`: its paths, and what each holds by lookup. */
function draftOf(changes: ChangeSet): ChangeSetDraft {
  const contents = new Map(changes.wrote);
  return { ...changes, wrote: changes.wrote.map(([path]) => path), contentOf: (path) => contents.get(path) ?? '' };
}

describe('changeSetHash', () => {
  it('names a change set by the sha256 of the JSON kept for it, without building that JSON', () => {
    // Given change sets small and large (over one 64 kB slice), with and without folders, with names JSON must escape
    const many = Array.from({ length: 5000 }, (_, i) => `includes/m${i % 10}/File${i}.php`);
    const sets: ChangeSet[] = [
      { wrote: [], added: [], removed: [] },
      {
        wrote: [
          ['a "quoted"\\name\n.php', 'ab'.repeat(32)],
          ['link', '->../é'],
        ],
        added: ['a "quoted"\\name\n.php'],
        removed: ['gone'],
        folders: ['new/dir'],
      },
      { wrote: many.map((path, i) => [path, String(i).padStart(64, '0')]), added: many, removed: many.slice(0, 10) },
    ];
    // Then each name, from the set's draft (paths and a lookup of contents), is the sha256 of JSON.stringify of the set
    for (const set of sets) expect(changeSetHash(draftOf(set))).toBe(sha256(Buffer.from(JSON.stringify(set))));
  });

  it('builds the pairs of a draft only when asked, in the order of its paths', () => {
    // Given a host's list of paths and a lookup shared by hosts
    const contents = new Map([
      ['b.php', 'b'.repeat(64)],
      ['a.php', 'a'.repeat(64)],
    ]);
    const draft = { wrote: ['b.php', 'a.php'], contentOf: (path: string) => contents.get(path) ?? '', added: ['a.php'], removed: ['gone'] };
    // Then the change set is the pairs in the list's order, keys in JSON's order, and no folders key when there are none
    const expected: ChangeSet = {
      wrote: [
        ['b.php', 'b'.repeat(64)],
        ['a.php', 'a'.repeat(64)],
      ],
      added: ['a.php'],
      removed: ['gone'],
    };
    expect(JSON.stringify(changeSetOf(draft))).toBe(JSON.stringify(expected));
    expect(changeSetOf({ ...draft, folders: ['new'] }).folders).toEqual(['new']);
  });

  it('keeps a change set under that name, readable back', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'deploy-kept-trees-'));
    const set: ChangeSet = { wrote: [['a.php', 'f'.repeat(64)]], added: ['a.php'], removed: [] };
    const name = await keepChangeSet(folder, draftOf(set));
    expect(name).toBe(changeSetHash(draftOf(set)));
    expect(await readChangeSet(folder, name)).toEqual(set);
    await rm(folder, { recursive: true, force: true });
  });
});

describe('sameDraft', () => {
  it('is true for the same lists item by item, whatever the arrays, and false when any list differs', () => {
    const contentOf = (): string => 'f'.repeat(64);
    const draft = { wrote: ['a.php', 'b.php'], contentOf, added: ['a.php'], removed: ['gone'] };
    expect(sameDraft(draft, { ...draft, wrote: ['a.php', 'b.php'], added: ['a.php'], removed: ['gone'] })).toBe(true);
    expect(sameDraft({ ...draft, folders: ['x'] }, { ...draft, folders: ['x'] })).toBe(true);
    expect(sameDraft(draft, { ...draft, wrote: ['b.php', 'a.php'] })).toBe(false);
    expect(sameDraft(draft, { ...draft, wrote: ['a.php'] })).toBe(false);
    expect(sameDraft(draft, { ...draft, added: [] })).toBe(false);
    expect(sameDraft(draft, { ...draft, removed: ['other'] })).toBe(false);
    expect(sameDraft(draft, { ...draft, folders: ['x'] })).toBe(false);
  });
});
