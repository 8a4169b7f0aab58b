import { chmod, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSED_STATUS, refusalReason } from '../../src/remote-commands/host-script.js';
import { buildPruneBackups, buildPruneReleases, PRUNE_RELEASES_SCRIPT, parsePruned } from '../../src/remote-commands/release-prune.js';
import { renderCommand } from '../../src/transport/quote.js';
import { makeTempDir } from '../helpers/cli.js';
import { fingerprint, run, writeTree } from './host-tree.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const RELEASES = ['20261201-010000-aaaa', '20261202-010000-bbbb', '20261203-010000-cccc', '20261204-010000-dddd', '20261205-010000-eeee'];

/** deploy_dir (a hostile name) with the five releases, a read-only folder in each, and current → `live`. */
async function fleetDir(live: string): Promise<string> {
  dir = await makeTempDir('deploy-prune-');
  const d = join(dir, "-my app's\ndeploy");
  for (const name of RELEASES) await writeTree(join(d, 'releases', name), { 'a.php': name, 'ro/b.php': 'b' });
  for (const name of RELEASES) await chmod(join(d, 'releases', name, 'ro'), 0o555);
  await symlink(`releases/${live}`, join(d, 'current'));
  return d;
}

describe('prune releases', () => {
  it('is a fixed script taking deploy_dir and the count', () => {
    const argv = buildPruneReleases('/srv/app', 3);
    expect(argv[2]).toContain(PRUNE_RELEASES_SCRIPT);
    expect(renderCommand(argv.slice(3))).toBe('deploy-prune-releases /srv/app 3');
    expect(() => buildPruneReleases('/srv/app', 0)).toThrow(/at least 1/);
  });

  it('keeps the newest, current among them, and removes the others oldest first', async () => {
    // Given five releases, current → the newest / When pruned to 3
    const d = await fleetDir(RELEASES[4] as string);
    const result = await run(buildPruneReleases(d, 3));
    // Then the two oldest are gone, read-only folders and all
    expect(result.exitCode, result.stderr).toBe(0);
    expect(parsePruned(result.stdout)).toEqual({ removed: RELEASES.slice(0, 2) });
    expect((await readdir(join(d, 'releases'))).sort()).toEqual(RELEASES.slice(2));
  });

  it('never removes the release current points to, even the oldest (after a rollback), and counts it in keep', async () => {
    // Given current → the oldest release (a rollback switched back to it)
    const d = await fleetDir(RELEASES[0] as string);
    // When pruned to 2, then to 1
    expect(parsePruned((await run(buildPruneReleases(d, 2))).stdout).removed).toEqual(RELEASES.slice(1, 4));
    expect((await readdir(join(d, 'releases'))).sort()).toEqual([RELEASES[0], RELEASES[4]]);
    expect(parsePruned((await run(buildPruneReleases(d, 1))).stdout).removed).toEqual([RELEASES[4]]);
    // Then current's release is the one left, and current still points to it
    expect(await readdir(join(d, 'releases'))).toEqual([RELEASES[0]]);
    expect(await readlink(join(d, 'current'))).toBe(`releases/${RELEASES[0]}`);
  });

  it('removes nothing when there are no more than keep', async () => {
    const d = await fleetDir(RELEASES[4] as string);
    expect((await run(buildPruneReleases(d, 5))).stdout).toBe('');
    expect(await readdir(join(d, 'releases'))).toHaveLength(5);
  });

  it('refuses, removing nothing, when current is not a link to a release', async () => {
    const d = await fleetDir(RELEASES[4] as string);
    await rm(join(d, 'current'));
    await symlink('releases/gone', join(d, 'current'));
    const before = await fingerprint(d);
    const result = await run(buildPruneReleases(d, 1));
    expect(result.exitCode).toBe(REFUSED_STATUS);
    expect(refusalReason(result)).toMatch(/current points to releases\/gone, which is not a release folder$/);
    expect(await fingerprint(d)).toEqual(before);
  });
});

describe('prune backups', () => {
  it('keeps the newest run folders of .deploy/backups', async () => {
    dir = await makeTempDir('deploy-prune-');
    const d = join(dir, '-app');
    for (const name of RELEASES) await writeTree(join(d, '.deploy/backups', name), { 'php/a.php': name });
    expect(renderCommand(buildPruneBackups('/srv/app', 20).slice(3))).toBe('deploy-prune-backups /srv/app 20');
    const result = await run(buildPruneBackups(d, 2));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(parsePruned(result.stdout).removed).toEqual(RELEASES.slice(0, 3));
    expect((await readdir(join(d, '.deploy/backups'))).sort()).toEqual(RELEASES.slice(3));
    // And with no backups at all there is nothing to do
    expect(await run(buildPruneBackups(join(dir, 'none'), 2))).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('removes all the old folders with one find and one rm, however many', async () => {
    // Given five run folders, a read-only folder in each, and find and rm that note each start
    dir = await makeTempDir('deploy-prune-');
    const d = join(dir, 'app');
    for (const name of RELEASES) await writeTree(join(d, '.deploy/backups', name), { 'php/a.php': name, 'ro/b.php': 'b' });
    for (const name of RELEASES) await chmod(join(d, '.deploy/backups', name, 'ro'), 0o555);
    const shims = join(dir, 'shims');
    await mkdir(shims);
    for (const tool of ['find', 'rm']) {
      await writeFile(join(shims, tool), `#!/bin/sh\necho ${tool} >> "${join(dir, 'started')}"\nexec /usr/bin/${tool} "$@"\n`, { mode: 0o755 });
    }
    // When pruned to the newest one
    const result = await run(buildPruneBackups(d, 1), { pathFirst: shims });
    // Then four are gone, named oldest first, by one find and one rm
    expect(result.exitCode, result.stderr).toBe(0);
    expect(parsePruned(result.stdout).removed).toEqual(RELEASES.slice(0, 4));
    expect(await readdir(join(d, '.deploy/backups'))).toEqual([RELEASES[4]]);
    expect((await readFile(join(dir, 'started'), 'utf8')).split('\n').filter(Boolean)).toEqual(['find', 'rm']);
  });
});
