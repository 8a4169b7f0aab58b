import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256 } from '../../../src/lib/sha256.js';
import { stagedContents } from '../../../src/run/phases/staged-contents.js';

// readFile, counted: how many reads of each path, and how many at once.
const reads = vi.hoisted(() => ({ count: new Map<string, number>(), now: 0, most: 0 }));
vi.mock('node:fs/promises', async (original) => {
  const actual = await original<typeof import('node:fs/promises')>();
  return {
    ...actual,
    readFile: async (path: string) => {
      reads.count.set(path, (reads.count.get(path) ?? 0) + 1);
      reads.most = Math.max(reads.most, ++reads.now);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return await actual.readFile(path);
      } finally {
        reads.now--;
      }
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
    // Given 40 files and a link
    await mkdir(join(source, 'lib'));
    const names = Array.from({ length: 40 }, (_, i) => `lib/f${i}.php`);
    for (const name of names) await writeFile(join(source, name), `<?php // ${name}\n`);
    await symlink('lib/f0.php', join(source, 'link'));
    const contents = stagedContents(source, 3);
    // When 10 hosts that wrote them all learn them at once, and one more later
    await Promise.all(Array.from({ length: 10 }, () => contents.learn([...names, 'link'])));
    await contents.learn(names);
    // Then each is known (sha256, or -> and the target), each file was read once, never more than 3 at a time
    for (const name of names) expect(contents.get(name)).toBe(sha256(Buffer.from(`<?php // ${name}\n`)));
    expect(contents.get('link')).toBe('->lib/f0.php');
    expect(contents.get('lib/other.php')).toBeUndefined();
    expect([...reads.count.values()]).toEqual(names.map(() => 1));
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
