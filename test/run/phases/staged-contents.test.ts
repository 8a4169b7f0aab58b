import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256 } from '../../../src/lib/sha256.js';
import { stagedContents } from '../../../src/run/phases/staged-contents.js';

// Files opened, counted: how many opens of each path, and how many open at once.
const reads = vi.hoisted(() => ({ count: new Map<string, number>(), now: 0, most: 0 }));
vi.mock('node:fs/promises', async (original) => {
  const actual = await original<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (path: string, flags: string) => {
      reads.count.set(path, (reads.count.get(path) ?? 0) + 1);
      reads.most = Math.max(reads.most, ++reads.now);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const handle = await actual.open(path, flags);
      const close = handle.close.bind(handle);
      handle.close = () => {
        reads.now--;
        return close();
      };
      return handle;
    },
  };
});

let source: string;
beforeEach(async () => {
  source = await mkdtemp(join(tmpdir(), 'deploy-staged-contents-'));
  reads.count.clear();
  reads.most = 0;
});
afterEach(() => rm(source, { recursive: true, force: true }));

describe('stagedContents', () => {
  it('learns what each path holds, reading each file once whatever the number of hosts, a few at a time', async () => {
    // Given 40 files, one larger than a read's buffer, and a link
    await mkdir(join(source, 'lib'));
    const large = Buffer.alloc(200_000, 'x');
    await writeFile(join(source, 'large.bin'), large);
    const names = Array.from({ length: 40 }, (_, i) => `lib/f${i}.php`);
    for (const name of names) await writeFile(join(source, name), `<?php // ${name}\n`);
    await symlink('lib/f0.php', join(source, 'link'));
    const contents = stagedContents(source, 3);
    // When 10 hosts that wrote them all learn them at once, and one more later
    await Promise.all(Array.from({ length: 10 }, () => contents.learn([...names, 'link', 'large.bin'])));
    await contents.learn(names);
    // Then each is known (sha256, or -> and the target), each file was read once, never more than 3 at a time
    for (const name of names) expect(contents.get(name)).toBe(sha256(Buffer.from(`<?php // ${name}\n`)));
    expect(contents.get('link')).toBe('->lib/f0.php');
    expect(contents.get('large.bin')).toBe(sha256(large));
    expect(contents.get('lib/other.php')).toBeUndefined();
    expect([...reads.count.values()]).toEqual([...names, 'large.bin'].map(() => 1));
    expect(reads.most).toBe(3);
  });

  it('rejects for every host that wrote a path it cannot read, and still learns the others', async () => {
    // Given one file and one missing
    await writeFile(join(source, 'a.php'), 'a');
    const contents = stagedContents(source, 2);
    // When two hosts learn both
    const learned = await Promise.allSettled([contents.learn(['a.php', 'gone.php']), contents.learn(['gone.php', 'a.php'])]);
    // Then both fail on the missing file, the other is known
    for (const result of learned) expect(result.status === 'rejected' && String(result.reason)).toMatch(/ENOENT.*gone\.php/);
    expect(contents.get('a.php')).toBe(sha256(Buffer.from('a')));
    expect(contents.get('gone.php')).toBeUndefined();
  });
});
