import { chmod, chown, lstat, mkdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSED_STATUS, refusalReason } from '../../src/remote-commands/host-script.js';
import {
  buildPrepareRelease,
  buildReadCurrent,
  buildSwitchBack,
  buildSwitchRelease,
  PREPARE_SCRIPT,
  parseLive,
  SWITCH_BACK_SCRIPT,
  SWITCH_SCRIPT,
} from '../../src/remote-commands/releases.js';
import { renderCommand } from '../../src/transport/quote.js';
import { makeTempDir } from '../helpers/cli.js';
import { fingerprint, inode, type Ran, readTree, run, writeTree } from './host-tree.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A deploy_dir whose name has a space, a quote, a newline and a leading dash in it. */
async function deployDir(): Promise<string> {
  dir = await makeTempDir('deploy-releases-');
  return join(dir, "-my app's\ndeploy");
}

const ok = (result: Ran): Ran => {
  expect(result, result.stderr).toMatchObject({ exitCode: 0 });
  return result;
};

/** A deploy_dir with releases/<name> holding `tree` and current → it. */
async function withLive(d: string, name: string, tree: Parameters<typeof writeTree>[1]): Promise<void> {
  await writeTree(join(d, 'releases', name), tree);
  await symlink(`releases/${name}`, join(d, 'current'));
}

describe('the releases commands as argv', () => {
  it('pass deploy_dir, release and path as words after a fixed script', () => {
    // Given a prepare, a switch and a switch back / When built and rendered
    const prepare = buildPrepareRelease('/srv/app', '20261207-041500-4f2a', 'php/');
    // Then each is sh -c <constant script> with its inputs as positional words
    expect(prepare.slice(0, 2)).toEqual(['sh', '-c']);
    expect(prepare[2]).toContain(PREPARE_SCRIPT);
    expect(renderCommand(prepare.slice(3))).toBe('deploy-prepare-release /srv/app 20261207-041500-4f2a php');
    expect(renderCommand(buildSwitchRelease('/srv/app', 'r2').slice(3))).toBe('deploy-switch-release /srv/app r2');
    expect(buildSwitchRelease('/srv/app', 'r2')[2]).toContain(SWITCH_SCRIPT);
    expect(renderCommand(buildSwitchBack('/srv/app', 'r2', 'r1').slice(3))).toBe('deploy-switch-back /srv/app r2 r1');
    expect(buildSwitchBack('/srv/app', 'r2', 'r1')[2]).toContain(SWITCH_BACK_SCRIPT);
    expect(buildPrepareRelease('/srv/app', 'r', '/')[6]).toBe('.');
  });

  it('keeps hostile names single quoted words, and the script text the same', () => {
    const argv = buildPrepareRelease("/srv/a b/$(touch x)'q'", 'r1', "-rf x;\n'y'");
    expect(argv[2]).toBe(buildPrepareRelease('/srv/app', 'r2', '.')[2]);
    expect(renderCommand(argv.slice(3))).toBe(`deploy-prepare-release '/srv/a b/$(touch x)'"'"'q'"'" r1 '-rf x;\n'"'"'y'"'"`);
  });

  it('refuses inputs that are not a release name, a path inside a release or a folder', () => {
    expect(() => buildPrepareRelease('/srv/app', 'a/b', '.')).toThrow(/not a release name/);
    expect(() => buildPrepareRelease('/srv/app', '..', '.')).toThrow(/not a release name/);
    expect(() => buildPrepareRelease('/srv/app', 'r', '../etc')).toThrow(/not a path inside a release/);
    expect(() => buildPrepareRelease('', 'r', '.')).toThrow(/not a folder/);
  });
});

describe('prepare', () => {
  it('makes deploy_dir and an empty first release when there is no current', async () => {
    // Given no deploy_dir at all / When prepared
    const d = await deployDir();
    const result = ok(await run(buildPrepareRelease(d, 'r1', 'php')));
    // Then the release is an empty folder and there is no live release
    expect(parseLive(result.stdout)).toEqual({});
    expect(result.stdout).toBe('live=\n');
    expect(await readTree(d)).toEqual({ releases: 'dir 755', 'releases/.current-r1': 'link releases/r1', 'releases/r1': 'dir 755' });
  });

  it('copies the live release as hard links less the synced path, with its parent, and removes a leftover of a retried run', async () => {
    // Given a live release r1, and a leftover r2 of a run that was cut
    const d = await deployDir();
    const hostile = "-x y/'q'\nz";
    await withLive(d, 'r1', {
      'index.php': 'index',
      'lib/a.php': 'a',
      [`lib/${hostile}/b.php`]: 'b',
      [`lib/${hostile}/c.php`]: 'c',
      'lib/link': { link: 'a.php' },
      'bin/run': { content: '#!/bin/sh', mode: 0o755 },
    });
    await writeTree(join(d, 'releases/r2'), { 'stale.php': 'from the cut run' });
    await symlink('releases/r0', join(d, 'releases/.current-r0'));
    // When r2 is prepared for the path lib/<hostile>
    const result = ok(await run(buildPrepareRelease(d, 'r2', `lib/${hostile}`)));
    // Then r1 is named live, r2 is r1 without that folder (its parents kept), the leftover gone
    expect(parseLive(result.stdout)).toEqual({ live: 'r1' });
    expect(await readTree(join(d, 'releases/r2'))).toEqual({
      bin: 'dir 755',
      'bin/run': 'file 755 #!/bin/sh',
      'index.php': 'file 644 index',
      lib: 'dir 755',
      'lib/-x y': 'dir 755',
      'lib/a.php': 'file 644 a',
      'lib/link': 'link a.php',
    });
    // And unchanged files are the live ones' inodes (hard links, not copies)
    for (const path of ['index.php', 'lib/a.php', 'bin/run', 'lib/link']) {
      expect(await inode(join(d, 'releases/r2', path))).toBe(await inode(join(d, 'releases/r1', path)));
    }
    expect((await readTree(join(d, 'releases/r1')))[`lib/${hostile}/b.php`]).toBe('file 644 b');
    // And the switch's link is staged for r2 only (the cut run's is gone)
    expect(Object.entries(await readTree(d)).filter(([name]) => name.startsWith('releases/.'))).toEqual([['releases/.current-r2', 'link releases/r2']]);
  });

  it('starts from an empty release for the whole tree (".")', async () => {
    const d = await deployDir();
    await withLive(d, 'r1', { 'a.php': 'a' });
    ok(await run(buildPrepareRelease(d, 'r2', '.')));
    expect(await readTree(join(d, 'releases/r2'))).toEqual({});
  });

  it('refuses, touching nothing, when current is not a link, points elsewhere, or the release is the live one', async () => {
    const cases: Array<[string, (d: string) => Promise<void>, string, RegExp]> = [
      ['a folder', async (d) => writeTree(join(d, 'current'), { 'a.php': 'a' }), 'r2', /\/current exists and is not a symbolic link$/],
      ['a link out of releases/', async (d) => symlink('/etc', join(d, 'current')), 'r2', /current points to \/etc, not to a release in .*\/releases$/],
      [
        'a link to a missing release',
        async (d) => symlink('releases/gone', join(d, 'current')),
        'r2',
        /current points to releases\/gone, which is not a release folder$/,
      ],
      ['the live release', async (d) => withLive(d, 'r1', { 'a.php': 'a' }), 'r1', /^release r1 is the live one: .*current points to it$/],
      [
        'a link on the way to the path',
        async (d) => withLive(d, 'r1', { 'lib/x': 'x', shared: { link: 'lib' } }),
        'r2',
        /releases\/r1\/shared is not a folder \(on the way to shared\/x\)$/,
      ],
    ];
    for (const [what, make, release, reason] of cases) {
      // Given a deploy_dir whose current is <what>
      const d = await deployDir();
      await mkdir(join(d, 'releases/r0'), { recursive: true });
      await make(d);
      const before = await fingerprint(d);
      // When a release is prepared
      const result = await run(buildPrepareRelease(d, release, 'shared/x'));
      // Then the host refuses with one line, and the folder is as it was
      expect(result.exitCode, what).toBe(REFUSED_STATUS);
      expect(refusalReason(result), what).toMatch(reason);
      expect(result.stderr.trimEnd().split('\n'), what).toHaveLength(1);
      expect(await fingerprint(d), what).toEqual(before);
      await rm(dir as string, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)('refuses, touching nothing, when releases/ is not writable by the user', async () => {
    // Given a deploy_dir of nobody's whose releases/ belongs to root
    const d = await deployDir();
    await withLive(d, 'r1', { 'a.php': 'a' });
    await chmod(dir as string, 0o755);
    await chown(d, 65534, 65534);
    const before = await fingerprint(d);
    // When nobody prepares a release
    const result = await run(buildPrepareRelease(d, 'r2', 'a.php'), { uid: 65534, gid: 65534 });
    // Then it refuses, naming the folder and the user
    expect(result.exitCode).toBe(REFUSED_STATUS);
    expect(refusalReason(result)).toMatch(/\/releases: not writable by nobody$/);
    expect(await fingerprint(d)).toEqual(before);
  });
});

describe('switch and switch back', () => {
  it('switch renames the link prepare staged over current, not a new one', async () => {
    // Given a prepared release r2 (its link staged) beside a live r1
    const d = await deployDir();
    await withLive(d, 'r1', { a: '1' });
    ok(await run(buildPrepareRelease(d, 'r2', '.')));
    const staged = await inode(join(d, 'releases/.current-r2'));
    // When switched
    ok(await run(buildSwitchRelease(d, 'r2')));
    // Then current is that very link (renamed, not made anew), and nothing is left beside it
    expect(await readlink(join(d, 'current'))).toBe('releases/r2');
    expect(await inode(join(d, 'current'))).toBe(staged);
    expect(Object.keys(await readTree(d)).filter((name) => name.includes('.current'))).toEqual([]);
  });

  it('switch points current at the release by a relative link', async () => {
    const d = await deployDir();
    await writeTree(join(d, 'releases'), { 'r1/a': '1', 'r2/a': '2' });
    expect(ok(await run(buildSwitchRelease(d, 'r1'))).stdout).toBe('');
    expect(await readlink(join(d, 'current'))).toBe('releases/r1');
    ok(await run(buildSwitchRelease(d, 'r2')));
    expect(await readlink(join(d, 'current'))).toBe('releases/r2');
    expect(parseLive(ok(await run(buildReadCurrent(d))).stdout)).toEqual({ live: 'r2' });
    // And no temporary link is left beside it
    expect(Object.keys(await readTree(d)).filter((name) => !name.startsWith('releases'))).toEqual(['current']);
  });

  it('switch refuses, touching nothing, a missing release or a current that is not a link', async () => {
    const d = await deployDir();
    await writeTree(join(d, 'releases'), { 'r1/a': '1' });
    await symlink('releases/r1', join(d, 'current'));
    const before = await fingerprint(d);
    const missing = await run(buildSwitchRelease(d, 'r9'));
    expect(refusalReason(missing)).toMatch(/^release r9 is missing: no folder .*\/releases\/r9$/);
    expect(await fingerprint(d)).toEqual(before);
    await rm(join(d, 'current'));
    await mkdir(join(d, 'current'));
    const folder = await fingerprint(d);
    expect(refusalReason(await run(buildSwitchRelease(d, 'r1')))).toMatch(/current exists and is not a symbolic link$/);
    expect(await fingerprint(d)).toEqual(folder);
  });

  it('switch back goes to the old release only while current is still the run’s, and the old one is there', async () => {
    // Given r2 live after a run that replaced r1
    const d = await deployDir();
    await writeTree(join(d, 'releases'), { 'r1/a': '1', 'r2/a': '2', 'r3/a': '3' });
    await symlink('releases/r2', join(d, 'current'));
    // When current changed since (r3 now) / Then refused, untouched
    await rm(join(d, 'current'));
    await symlink('releases/r3', join(d, 'current'));
    let before = await fingerprint(d);
    expect(refusalReason(await run(buildSwitchBack(d, 'r2', 'r1')))).toBe('changed since: current -> releases/r3');
    expect(await fingerprint(d)).toEqual(before);
    // When the old release is gone / Then refused, untouched
    await rm(join(d, 'releases/r1'), { recursive: true });
    before = await fingerprint(d);
    expect(refusalReason(await run(buildSwitchBack(d, 'r3', 'r1')))).toBe('release r1 is gone');
    expect(await fingerprint(d)).toEqual(before);
    // When current is still the run's and the old release is there / Then switched back
    ok(await run(buildSwitchBack(d, 'r3', 'r2')));
    expect(await readlink(join(d, 'current'))).toBe('releases/r2');
    expect((await lstat(join(d, 'current'))).isSymbolicLink()).toBe(true);
    await rm(join(d, 'current'));
    expect(refusalReason(await run(buildSwitchBack(d, 'r2', 'r3')))).toBe('changed since: current -> (none)');
    await writeFile(join(d, 'current'), 'x');
    expect(refusalReason(await run(buildSwitchBack(d, 'r2', 'r3')))).toBe('changed since: current -> (not a symbolic link)');
  });
});

describe('a deploy_dir relative to the working folder (the local transport)', () => {
  it('is read as ./<path>, a leading dash and all', async () => {
    // Given a working folder and deploy_dir "-app" relative to it
    dir = await makeTempDir('deploy-releases-');
    const argv = buildPrepareRelease('-app', 'r1', '.');
    // When prepared and switched from that folder
    const [file, ...args] = argv as [string, ...string[]];
    expect((await execa(file, args, { cwd: dir, reject: false })).exitCode).toBe(0);
    const [sw, ...swArgs] = buildSwitchRelease('-app', 'r1') as [string, ...string[]];
    expect((await execa(sw, swArgs, { cwd: dir, reject: false })).exitCode).toBe(0);
    // Then the folder is there, inside the working folder
    expect(await readlink(join(dir, '-app/current'))).toBe('releases/r1');
  });
});
