import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/sha256.js';
import { type ChangeSet, changeSetHash, keepChangeSet, readChangeSet } from '../../src/state/kept-trees.js';

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
    // Then each name is the sha256 of JSON.stringify of the set
    for (const set of sets) expect(changeSetHash(set)).toBe(sha256(Buffer.from(JSON.stringify(set))));
  });

  it('keeps a change set under that name, readable back', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'deploy-kept-trees-'));
    const set: ChangeSet = { wrote: [['a.php', 'f'.repeat(64)]], added: ['a.php'], removed: [] };
    const name = await keepChangeSet(folder, set);
    expect(name).toBe(changeSetHash(set));
    expect(await readChangeSet(folder, name)).toEqual(set);
    await rm(folder, { recursive: true, force: true });
  });
});
