import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/lib/sha256.js';
import { createTreeRecorder } from '../../../src/run/phases/tree-recorder.js';
import { type InPlaceChange, readChangeSet, readTreeVersions } from '../../../src/state/kept-trees.js';

let dir: string;
let stage: string;
let folder: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploy-tree-recorder-'));
  stage = join(dir, 'stage');
  folder = join(dir, 'versions');
  await mkdir(join(stage, 'lib'), { recursive: true });
  await writeFile(join(stage, 'a.php'), 'a');
  await writeFile(join(stage, 'lib', 'b.php'), 'b');
  await symlink('a.php', join(stage, 'link'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('createTreeRecorder', () => {
  it('keeps one change set per distinct change, each host pointing at its own, with what each written path holds', async () => {
    // Given 30 hosts that wrote the whole tree (each its own lists, as a transport returns them), one that also removed a file, and one that wrote a file and removed another
    const warnings: string[] = [];
    const recorder = createTreeRecorder(folder, 'r1', '.', stage, (text) => warnings.push(text));
    const everything = { changed: ['a.php', 'lib/b.php', 'link'], created: ['a.php', 'lib/b.php', 'link'], createdFolders: ['lib'], removed: [], bytesSent: 3 };
    const hosts = Array.from({ length: 30 }, (_, i) => `mw${i}`);
    // When each host's change is recorded, all at once
    await Promise.all([
      ...hosts.map((host) => recorder.inPlace(host, structuredClone(everything), '/srv/app', '/srv/app/.deploy/backups/r1')),
      recorder.inPlace('mw98', { ...structuredClone(everything), removed: ['old.php'] }, '/srv/app', '/srv/app/.deploy/backups/r1'),
      recorder.inPlace('mw99', { changed: ['lib/b.php'], created: [], removed: ['old.php'], bytesSent: 1 }, '/srv/app', '/srv/app/.deploy/backups/r1'),
    ]);
    // Then every host is on record, the 30 share one kept change set, mw98 and mw99 have their own
    expect(warnings).toEqual([]);
    expect([...hosts, 'mw98', 'mw99'].every((host) => recorder.recorded(host))).toBe(true);
    const lines = readTreeVersions(folder, 'r1', () => {}) ?? [];
    expect(lines).toHaveLength(32);
    const changesOf = (host: string): string => (lines.find((line) => line.host === host)?.tree as InPlaceChange | undefined)?.changes ?? '';
    const names = new Set(lines.map((line) => (line.tree as InPlaceChange).changes));
    expect(names.size).toBe(3);
    expect(await readdir(join(folder, 'objects'))).toHaveLength(3);
    const shared = changesOf('mw0');
    expect(await readChangeSet(folder, shared)).toEqual({
      wrote: [
        ['a.php', sha256(Buffer.from('a'))],
        ['lib/b.php', sha256(Buffer.from('b'))],
        ['link', '->a.php'],
      ],
      added: ['a.php', 'lib/b.php', 'link'],
      removed: [],
      folders: ['lib'],
    });
    expect((await readChangeSet(folder, changesOf('mw98'))).removed).toEqual(['old.php']);
    const own = changesOf('mw99');
    expect(await readChangeSet(folder, own)).toEqual({ wrote: [['lib/b.php', sha256(Buffer.from('b'))]], added: [], removed: ['old.php'] });
  });

  it('leaves a host whose written file cannot be read off the record, and says so once', async () => {
    const warnings: string[] = [];
    const recorder = createTreeRecorder(folder, 'r1', '.', stage, (text) => warnings.push(text));
    const gone = { changed: ['gone.php'], created: ['gone.php'], removed: [], bytesSent: 1 };
    await Promise.all(['mw1', 'mw2'].map((host) => recorder.inPlace(host, gone, '/srv/app', '/srv/app/.deploy/backups/r1')));
    expect(recorder.recorded('mw1') || recorder.recorded('mw2')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not record the change on mw\d .*gone\.php.*cannot be rolled back/);
  });
});
