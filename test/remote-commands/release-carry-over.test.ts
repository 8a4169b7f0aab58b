import { chmod, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSED_STATUS, refusalReason } from '../../src/remote-commands/host-script.js';
import { buildCarryOver, CARRY_OVER_SCRIPT, parseCarryOver } from '../../src/remote-commands/release-carry-over.js';
import { buildPrepareRelease } from '../../src/remote-commands/releases.js';
import { renderCommand } from '../../src/transport/quote.js';
import { makeTempDir } from '../helpers/cli.js';
import { fingerprint, inode, readTree, run, writeTree } from './host-tree.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const EXCLUDE = ['.git/', '*.swp', '/cache/'];
/** The synced folder, and deploy_dir: a space, a quote, a newline and a leading dash in each. */
const PATH = "-w eb's\nroot";

/** The live release r1 (current → it), the stage, and r2 prepared and built from the stage as the run's rsync does. */
async function built(): Promise<{ d: string; live: string; fresh: string }> {
  dir = await makeTempDir('deploy-carry-');
  const d = join(dir, "-my app's\ndeploy");
  const live = join(d, 'releases/r1', PATH);
  await writeTree(live, {
    'index.php': 'old index',
    'lib/a.php': 'a',
    'lib/old.php': 'old',
    'lib/l': { link: 'a.php' },
    '.git/HEAD': 'ref',
    'sub/.git/objects/x': 'object',
    'x.swp': 'swap',
    'dir.swp/inner': 'in a matched folder',
    'cache/c': 'cached',
    'sub/cache/c2': 'not anchored: not excluded',
    'gone/y.php': 'y',
  });
  await writeTree(join(d, 'releases/r1'), { 'outside.php': 'outside the path' });
  await execa('ln', ['-s', 'releases/r1', join(d, 'current')]);
  const stage = join(dir, 'stage');
  await writeTree(stage, { 'index.php': 'the new index', 'lib/a.php': 'a', 'lib/new.php': 'new' });
  await chmod(join(stage, 'lib'), 0o750);
  await execa('touch', ['-r', join(live, 'lib/a.php'), join(stage, 'lib/a.php')]);
  expect((await run(buildPrepareRelease(d, 'r2', PATH))).exitCode).toBe(0);
  const fresh = join(d, 'releases/r2', PATH);
  await execa('rsync', ['-rlpt', `--link-dest=${live}`, ...EXCLUDE.map((p) => `--exclude=${p}`), '--', `${stage}/`, `${fresh}/`]);
  return { d, live, fresh };
}

describe('buildCarryOver', () => {
  it('passes deploy_dir, the releases, the path, delete or keep and the patterns as words after a fixed script', () => {
    const argv = buildCarryOver('/srv/app', 'r2', 'r1', 'php/', { delete: true, exclude: ['.git/', "it's *"] });
    expect(argv[2]).toContain(CARRY_OVER_SCRIPT);
    expect(renderCommand(argv.slice(3))).toBe(`deploy-carry-over /srv/app r2 r1 php delete .git/ 'it'"'"'s *'`);
    expect(buildCarryOver('/srv/app', 'r2', 'r1', '.', { delete: false, exclude: [] }).slice(3)).toEqual([
      'deploy-carry-over',
      '/srv/app',
      'r2',
      'r1',
      '.',
      'keep',
    ]);
    expect(() => buildCarryOver('/srv/app', 'r2', 'r1', '.', { delete: true, exclude: ['a\nb'] })).toThrow(/not an exclude pattern/);
  });
});

describe('carry-over from the live release', () => {
  it('without delete, keeps everything the new release lacks, as hard links, and removes nothing', async () => {
    // Given r2 built from a stage that lacks most of the live files
    const { d, live, fresh } = await built();
    // When carried over without delete
    const result = await run(buildCarryOver(d, 'r2', 'r1', PATH, { delete: false, exclude: EXCLUDE }));
    expect(result.exitCode, result.stderr).toBe(0);
    // Then r2 has the stage's files and every other live one; nothing is reported removed
    expect(parseCarryOver(result.stdout)).toEqual({ removed: [], removedCount: 0 });
    const tree = await readTree(fresh);
    expect(tree['index.php']).toBe('file 644 the new index');
    expect(tree['lib/new.php']).toBe('file 644 new');
    for (const path of ['lib/old.php', 'lib/l', '.git/HEAD', 'sub/.git/objects/x', 'x.swp', 'cache/c', 'sub/cache/c2', 'gone/y.php', 'dir.swp/inner']) {
      expect(await inode(join(fresh, path)), path).toBe(await inode(join(live, path)));
    }
    // And the stage's folder mode is kept, the live release is untouched, no work folder is left
    expect(tree.lib).toBe('dir 750');
    expect((await readTree(live))['index.php']).toBe('file 644 old index');
    expect(Object.keys(await readTree(join(d, '.deploy')))).toEqual([]);
  });

  it('with delete, keeps only what the exclusions match (hard links), and names what the run removed', async () => {
    // Given the same r2
    const { live, fresh, d } = await built();
    // When carried over with delete and the exclusions
    const result = await run(buildCarryOver(d, 'r2', 'r1', PATH, { delete: true, exclude: EXCLUDE }));
    expect(result.exitCode, result.stderr).toBe(0);
    // Then the excluded paths (and what matched folders hold) are kept as hard links
    for (const path of ['.git/HEAD', 'sub/.git/objects/x', 'x.swp', 'dir.swp/inner', 'cache/c']) {
      expect(await inode(join(fresh, path)), path).toBe(await inode(join(live, path)));
    }
    // And nothing else of the live folder is: the removed files and links are named
    expect(Object.keys(await readTree(fresh)).sort()).toEqual(
      [
        '.git',
        '.git/HEAD',
        'cache',
        'cache/c',
        'dir.swp',
        'dir.swp/inner',
        'index.php',
        'lib',
        'lib/a.php',
        'lib/new.php',
        'sub',
        'sub/.git',
        'sub/.git/objects',
        'sub/.git/objects/x',
        'x.swp',
      ].sort(),
    );
    expect(parseCarryOver(result.stdout).removed.sort()).toEqual(['gone/y.php', 'lib/l', 'lib/old.php', 'sub/cache/c2']);
    expect(result.stdout.split('\n')[0]).toBe('removed-count=4');
    expect((await stat(join(fresh, 'lib'))).mode & 0o777).toBe(0o750);
    // And the file outside the path came with prepare's hard-linked copy
    expect(await inode(join(d, 'releases/r2/outside.php'))).toBe(await inode(join(d, 'releases/r1/outside.php')));
  });

  it('has nothing to do for a path the live release lacks, or a single file the run rebuilt', async () => {
    // Given a live release with a file and no folder new/
    dir = await makeTempDir('deploy-carry-');
    const d = join(dir, 'app');
    await writeTree(join(d, 'releases/r1'), { 'lib/a.php': 'old a', 'b.php': 'b' });
    await execa('ln', ['-s', 'releases/r1', join(d, 'current')]);
    // When r2 is prepared and built for the file lib/a.php, then carried over with delete
    expect((await run(buildPrepareRelease(d, 'r2', 'lib/a.php'))).exitCode).toBe(0);
    await writeTree(join(d, 'releases/r2'), { 'lib/a.php': 'the new a' });
    const file = await run(buildCarryOver(d, 'r2', 'r1', 'lib/a.php', { delete: true, exclude: [] }));
    // Then nothing is carried or removed: r2 is r1 but that file
    expect(file).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await readTree(join(d, 'releases/r2'))).toEqual({ 'b.php': 'file 644 b', lib: 'dir 755', 'lib/a.php': 'file 644 the new a' });
    // And a folder the live release does not have is nothing to do either
    expect(await run(buildCarryOver(d, 'r2', 'r1', 'new', { delete: true, exclude: [] }))).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('parses names as rsync escapes them, and leaves folders out', () => {
    expect(parseCarryOver('deploy-item *deleting   a\\#012b.php\ndeploy-item *deleting   gone/\nother\n')).toEqual({ removed: ['a\nb.php'], removedCount: 1 });
    // And the host's count stands when the list was cut
    expect(parseCarryOver('removed-count=5000\ndeploy-item *deleting   a.php\n[output cut: 1 more bytes not kept]')).toEqual({
      removed: ['a.php'],
      removedCount: 5000,
    });
  });

  it('refuses, touching nothing, when the new release is missing', async () => {
    const { d } = await built();
    await rm(join(d, 'releases/r2'), { recursive: true });
    const before = await fingerprint(d);
    const result = await run(buildCarryOver(d, 'r2', 'r1', PATH, { delete: true, exclude: EXCLUDE }));
    expect(result.exitCode).toBe(REFUSED_STATUS);
    expect(refusalReason(result)).toMatch(/^release r2 is missing: no folder /);
    expect(await fingerprint(d)).toEqual(before);
  });
});
