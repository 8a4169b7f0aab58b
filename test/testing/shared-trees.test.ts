import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeFleet } from '../../testing/fake-fleet.js';

let stage: string;
beforeEach(async () => {
  stage = await mkdtemp(join(tmpdir(), 'deploy-shared-trees-'));
  await mkdir(join(stage, 'lib'));
  for (const name of ['a.php', 'b.php', 'lib/c.php']) await writeFile(join(stage, name), `<?php // ${name}\n`);
  await utimes(join(stage, 'a.php'), 1000, 1000);
});
afterEach(() => rm(stage, { recursive: true, force: true }));

const sync = (fleet: FakeFleet, host: string, exclude: string[] = []) =>
  fleet.syncTree(host, { source: stage, destination: '/srv/app', exclude, delete: true, signal: new AbortController().signal });

describe('FakeFleet with shareTrees', () => {
  it("syncs each host from the one listing; each host's lists are its own, read from rsync's output", async () => {
    const fleet = new FakeFleet({ shareTrees: true });
    // When two hosts sync the stage
    const first = await sync(fleet, 'mw01');
    const second = await sync(fleet, 'mw02');
    // Then each got every file, in lists equal but not shared
    expect(first).toEqual({ changed: ['a.php', 'b.php', 'lib/c.php'], created: ['a.php', 'b.php', 'lib/c.php'], removed: [], bytesSent: 49 });
    expect(second).toEqual(first);
    expect(second.changed).not.toBe(first.changed);
    // And a host synced again has nothing to do
    expect(await sync(fleet, 'mw01')).toEqual({ changed: [], created: [], removed: [], bytesSent: 0 });
  });

  it('names files with the staged strings when given them, and reads escaped names back', async () => {
    // Given a name rsync escapes, a symbolic link, and the staged names
    await writeFile(join(stage, 'é #\\#.php'), 'x');
    await symlink('a.php', join(stage, 'link'));
    const staged = ['a.php', 'b.php', 'lib/c.php', 'link', 'é #\\#.php'];
    // (each mapped to a marked copy: strings compare by value, so the mark shows which string the list holds)
    const names = { paths: new Map(staged.map((name) => [name, `staged:${name}`])), files: [] };
    const fleet = new FakeFleet({ shareTrees: true });
    // When a host syncs with them
    const result = await fleet.syncTree('mw01', {
      source: stage,
      destination: '/srv/app',
      exclude: [],
      delete: true,
      names,
      signal: new AbortController().signal,
    });
    // Then each name is the string the staged names hold for it
    expect(result.changed).toEqual(staged.map((name) => `staged:${name}`));
  });

  it('sees the stage change after relistSources, each host by its own state', async () => {
    const fleet = new FakeFleet({ shareTrees: true });
    await sync(fleet, 'mw01');
    // Given a.php changed, b.php removed, a new file, and a host that never synced
    await writeFile(join(stage, 'a.php'), '<?php // changed, longer\n');
    await rm(join(stage, 'b.php'));
    await writeFile(join(stage, 'new.php'), 'n');
    fleet.relistSources();
    // Then the synced host moves what changed and removes what went; the other gets everything
    expect(await sync(fleet, 'mw01')).toEqual({ changed: ['a.php', 'new.php'], created: ['new.php'], removed: ['b.php'], bytesSent: 26 });
    expect(await sync(fleet, 'mw02')).toEqual({
      changed: ['a.php', 'lib/c.php', 'new.php'],
      created: ['a.php', 'lib/c.php', 'new.php'],
      removed: [],
      bytesSent: 45,
    });
  });

  it('keeps what an exclusion leaves on a host beside the synced files', async () => {
    const fleet = new FakeFleet({ shareTrees: true });
    await sync(fleet, 'mw01');
    // When lib/ is excluded from the next sync
    const result = await sync(fleet, 'mw01', ['lib/']);
    // Then lib/c.php stays on the host: a later sync without the exclusion has nothing to send
    expect(result).toEqual({ changed: [], created: [], removed: [], bytesSent: 0 });
    expect(await sync(fleet, 'mw01')).toEqual({ changed: [], created: [], removed: [], bytesSent: 0 });
  });
});
