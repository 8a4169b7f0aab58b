import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { ALWAYS, RECORD_RESTART, content, installRecordingRestart, restartRecords, snapshot, temporaries, writeStagedApp } from './fleet/tree-fleet.js';

/**
 * `deploy sync-file <folder>`, canary rollback and `deploy rollback` with deploy_layout
 * releases, through the CLI, on a real OpenSSH fleet: mw01 the canary, mw02 and mw03 restarted
 * one at a time, mw04 in no_restart_targets. The restart script records where `current`
 * pointed on its own host and on every other host when it ran (tree-fleet.ts), which shows
 * when each host switched. The tests share the fleet and run in order: each one's Given is
 * what the one before left on the hosts (it says so).
 */

// In CI the suite must really run against sshd: a skip there would hide a missing install.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');

interface HostEntry {
  host: string;
  phase: string;
  outcome: string;
  error?: string;
  changed?: number;
  removed?: number;
  bytesSent?: number;
}
interface Report {
  status: string;
  exitCode: number;
  phases: Array<{ name: string }>;
  hosts: HostEntry[];
}

describe.skipIf(!available)('trees in releases over SSH, through the CLI', () => {
  let fleet: SshdFleet;
  let project: string;
  const stage = () => join(project, 'stage');
  const root = (host: string) => fleet.hosts.find((h) => h.name === host)?.root ?? '';
  const deployDir = (host: string) => join(root(host), 'deploy');
  const names = () => fleet.hosts.map((host) => host.name);
  /** Where the host's `current` points ('-': no link). */
  const current = async (host: string) => (existsSync(join(deployDir(host), 'current')) ? await readlink(join(deployDir(host), 'current')) : '-');
  const releases = async (host: string) => (existsSync(join(deployDir(host), 'releases')) ? (await readdir(join(deployDir(host), 'releases'))).sort() : []);
  const live = (host: string) => snapshot(join(deployDir(host), 'current'));
  const restarts = async (host: string) => restartRecords(fleet, host);
  const stagedApp = async () => content(await snapshot(join(stage(), 'app'), ['cache']));

  async function configure(overrides: Record<string, unknown> = {}): Promise<void> {
    await writeFleetDeployConfig(project, fleet, {
      canaries: ['mw01'],
      no_restart_targets: ['mw04'],
      deploy_layout: 'releases',
      keep_releases: 2,
      php_fpm_restart_script: RECORD_RESTART,
      sync_exclude: ['cache/', '.git/'],
      failure_limit: 1,
      restart_concurrency: 1,
      ...overrides,
    });
  }
  async function deploy(args: string[]): Promise<{ exitCode: number; report: Report; stderr: string }> {
    const result = await runCli([...args, '--json'], { cwd: project, timeoutMs: 60_000 });
    expect(result.stdout, result.stderr).not.toBe('');
    return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  }
  const syncEntries = (report: Report) => report.hosts.filter((host) => host.phase === 'sync-canaries' || host.phase === 'sync-hosts');

  beforeAll(async () => {
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.treeReleases);
    fleet = await startSshdFleet({ count: 4, network, port });
    await installRecordingRestart(fleet);
    project = await makeTempDir('deploy-e2e-tree-releases-');
    await writeStagedApp(stage());
    await writeFile(join(stage(), 'README'), 'the stage\n');
    await configure();
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  /** Each run's release, in order. */
  const made: string[] = [];
  let firstBytes = 0;

  it('first sync: each host gets a first release of the whole stage less exclusions; current switched right before each restart, at the end of its sync for mw04', async () => {
    // Given hosts with no deploy_dir content
    // When app/ is synced
    const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'first release']);
    expect(exitCode, stderr).toBe(0);
    // Then every host's current points to the same new release, which holds all of the stage less cache/
    const release = await current('mw01');
    expect(release).toMatch(/^releases\/\d{8}-\d{6}-[0-9a-f]{4}$/);
    made.push(release);
    for (const host of names()) {
      expect(await current(host), host).toBe(release);
      const tree = content(await live(host));
      expect(
        Object.keys(tree).filter((path) => path.includes('cache')),
        host,
      ).toEqual([]);
      expect(tree.README?.type, host).toBe('file');
      expect(tree['app/link.php'], host).toMatchObject({ type: 'link', target: 'lib/util.php' });
      expect(tree['app/bin/tool.sh']?.mode, host).toBe(0o755);
    }
    expect(content(await snapshot(join(deployDir('mw02'), 'current', 'app')))).toEqual(await stagedApp());
    firstBytes = Math.min(...syncEntries(report).map((host) => host.bytesSent ?? 0));
    // And each restarted host saw its new release, with the always threshold; mw02, restarted
    // first, saw mw03 not yet switched and mw04 already switched (at the end of its sync)
    expect((await restarts('mw01')).map((r) => [r.threshold, r.self])).toEqual([[ALWAYS, release]]);
    expect((await restarts('mw02')).map((r) => [r.threshold, r.self, r.peers.mw03, r.peers.mw04])).toEqual([[ALWAYS, release, '-', release]]);
    expect((await restarts('mw03')).map((r) => [r.threshold, r.self])).toEqual([[ALWAYS, release]]);
    expect(await restarts('mw04')).toEqual([]);
  });

  it('a sync of two changed files and one deleted builds a new release with the unchanged files hard-linked from the previous one; restarts see it', async () => {
    // Given the first release live everywhere, and on the stage two files changed and one deleted
    const previous = made[0] ?? '';
    const before = await snapshot(join(deployDir('mw02'), previous));
    await writeFile(join(stage(), 'app', 'index.php'), '<?php echo "v2";\n');
    await writeFile(join(stage(), 'app', 'lib', 'util.php'), '<?php function util() { return 2; }\n');
    await unlink(join(stage(), 'app', 'lib', 'deep', 'nested', 'x.php'));
    // When app/ is synced
    const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'second release']);
    expect(exitCode, stderr).toBe(0);
    // Then each host reports 2 changed, 1 removed, a fraction of the first sync's bytes
    for (const host of syncEntries(report)) {
      expect([host.host, host.changed, host.removed]).toEqual([host.host, 2, 1]);
      expect(host.bytesSent, host.host).toBeLessThan(firstBytes / 10);
    }
    const release = await current('mw01');
    expect(release).not.toBe(previous);
    made.push(release);
    for (const host of names()) {
      expect(await current(host), host).toBe(release);
      expect(content(await snapshot(join(deployDir(host), 'current', 'app'))), host).toEqual(await stagedApp());
      // And unchanged files are hard links of the previous release's (same inode), changed ones not
      const [now, then] = await Promise.all([snapshot(join(deployDir(host), release)), snapshot(join(deployDir(host), previous))]);
      for (const path of ['app/lib/big.bin', 'app/config.json', 'app/bin/tool.sh', 'README'])
        expect(now[path]?.inode, `${host} ${path}`).toBe(then[path]?.inode);
      for (const path of ['app/index.php', 'app/lib/util.php']) expect(now[path]?.inode, `${host} ${path}`).not.toBe(then[path]?.inode);
    }
    // And the previous release is as it was
    expect(await snapshot(join(deployDir('mw02'), previous))).toEqual(before);
    // And mw02's restart saw its own new release while mw03 still had the previous one
    expect((await restarts('mw02')).at(-1)).toMatchObject({ threshold: ALWAYS, self: release, peers: { mw03: previous, mw04: release } });
    expect((await restarts('mw03')).at(-1)).toMatchObject({ threshold: ALWAYS, self: release });
  });

  it('a file changed by hand in the live release of one host is detected and replaced in a new release of that host only', async () => {
    // Given mw03's live index.php replaced by hand (a new file renamed over it, as an editor does)
    const before = Object.fromEntries(await Promise.all(names().map(async (host) => [host, await current(host)] as const)));
    const edited = join(deployDir('mw03'), 'current', 'app', 'index.php');
    await writeFile(`${edited}.new`, '<?php echo "HOTFIX";\n');
    await rename(`${edited}.new`, edited);
    // When app/ is synced again
    const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'repair']);
    // Then mw03 alone got a new release with the staged file; the others kept theirs
    expect(exitCode, stderr).toBe(0);
    expect(syncEntries(report).map((host) => [host.host, host.changed, host.removed])).toEqual([
      ['mw01', 0, 0],
      ['mw02', 0, 0],
      ['mw03', 1, 0],
      ['mw04', 0, 0],
    ]);
    for (const host of ['mw01', 'mw02', 'mw04']) expect(await current(host), host).toBe(before[host]);
    expect(await current('mw03')).not.toBe(before.mw03);
    expect(content(await snapshot(join(deployDir('mw03'), 'current', 'app')))).toEqual(await stagedApp());
  });

  it('a host whose current is a regular folder fails with the reason, untouched; the others go on', async () => {
    // Given mw04's current replaced by a folder, and a change on the stage
    const previous = await current('mw04');
    await unlink(join(deployDir('mw04'), 'current'));
    await mkdir(join(deployDir('mw04'), 'current'));
    await writeFile(join(deployDir('mw04'), 'current', 'index.html'), 'not a release\n');
    const mw04 = await snapshot(deployDir('mw04'));
    await writeFile(join(stage(), 'app', 'config.json'), '{"db": "db3003"}\n');
    try {
      // When app/ is synced
      const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'third release']);
      // Then mw04 failed with the reason and is untouched
      expect(exitCode, stderr).toBe(1);
      expect(report.status).toBe('failed');
      const failed = report.hosts.find((host) => host.host === 'mw04' && host.phase === 'sync-hosts');
      expect(failed?.outcome).toBe('failed');
      expect(failed?.error).toMatch(/current exists and is not a symbolic link/);
      expect(await snapshot(deployDir('mw04'))).toEqual(mw04);
      // And the others switched to the new release
      const release = await current('mw01');
      made.push(release);
      for (const host of ['mw01', 'mw02', 'mw03']) {
        expect(await current(host), host).toBe(release);
        expect(content(await snapshot(join(deployDir(host), 'current', 'app'))), host).toEqual(await stagedApp());
      }
    } finally {
      await rm(join(deployDir('mw04'), 'current'), { recursive: true });
      await symlink(previous, join(deployDir('mw04'), 'current'));
    }
  });

  it('failed canary checks switch the canary back to the release it had, byte-exact, touch no other host: rolled-back, exit 1', async () => {
    // Given every host in sync (mw04 brought up to date), and a change on the stage
    expect((await deploy(['sync-file', 'app', 'catch up'])).exitCode).toBe(0);
    const before = Object.fromEntries(
      await Promise.all(names().map(async (host) => [host, { current: await current(host), tree: await live(host) }] as const)),
    );
    const restartsBefore = (await restarts('mw01')).length;
    await writeFile(join(stage(), 'app', 'lib', 'added.php'), '<?php // new\n');
    await configure({ canary_checks: ['echo "5xx above the bound" >&2; exit 1'] });
    try {
      // When app/ is synced and the canary check fails
      const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'bad release']);
      // Then the run is rolled back, exit 1
      expect(exitCode, stderr).toBe(1);
      expect(report.status).toBe('rolled-back');
      expect(report.hosts.filter((host) => host.phase === 'rollback-sync').map((host) => [host.host, host.outcome])).toEqual([['mw01', 'ok']]);
      // And every host has the release and tree it had, byte-exact
      for (const host of names()) {
        expect(await current(host), host).toBe(before[host]?.current);
        expect(await live(host), host).toEqual(before[host]?.tree);
      }
      // And the canary was restarted on the new release, then again on the old one, both with the always threshold
      expect((await restarts('mw01')).slice(restartsBefore).map((r) => [r.threshold, r.self === before.mw01?.current])).toEqual([
        [ALWAYS, false],
        [ALWAYS, true],
      ]);
      expect(stderr).toMatch(/Rolled back app on 1 host: canary checks failed \(duration: \d\dm \d\ds\)\n$/);
    } finally {
      await configure();
    }
  });

  it('deploy rollback switches every host back to the release the last run replaced; a host switched by hand since is skipped', async () => {
    // Given a good run of the stage (added.php), and mw04 switched by hand since to an older release
    const before = Object.fromEntries(await Promise.all(names().map(async (host) => [host, await current(host)] as const)));
    const synced = await deploy(['sync-file', 'app', 'fourth release']);
    expect(synced.exitCode, synced.stderr).toBe(0);
    const release = await current('mw01');
    for (const host of names()) expect(await current(host), host).toBe(release);
    const older = (await releases('mw04')).find((name) => `releases/${name}` !== release) ?? '';
    await unlink(join(deployDir('mw04'), 'current'));
    await symlink(`releases/${older}`, join(deployDir('mw04'), 'current'));
    // When the deployer rolls back
    const { exitCode, report, stderr } = await deploy(['rollback', 'undo fourth']);
    // Then mw01-mw03 are back on the release they had, with no transfer
    expect(exitCode, stderr).toBe(0);
    for (const host of ['mw01', 'mw02', 'mw03']) expect(await current(host), host).toBe(before[host]);
    // And mw04 is skipped as changed since the run, untouched
    const skipped = report.hosts.find((host) => host.host === 'mw04' && host.phase === 'sync-hosts');
    expect(skipped?.outcome).toBe('skipped');
    expect(skipped?.error).toMatch(/^changed since run \d{8}-\d{6}-[0-9a-f]{4}/);
    expect(await current('mw04')).toBe(`releases/${older}`);
    expect(stderr).toMatch(/Rolled back app: undo fourth \(duration: \d\dm \d\ds\)\n$/);
    // And every restart of the rollback ran on the release it switched back to
    expect((await restarts('mw02')).at(-1)).toMatchObject({ threshold: ALWAYS, self: before.mw02 });
  });

  it('a host whose sshd dies while its release is being built fails, its live release whole; after its next good run no part of the cut release is left', async () => {
    // Given every host in sync, and 12 MiB of new files on the stage
    await mkdir(join(stage(), 'app', 'blobs'), { recursive: true });
    for (let index = 0; index < 12; index++) await writeFile(join(stage(), 'app', 'blobs', `${index}.bin`), randomBytes(1024 * 1024));
    const live02 = await current('mw02');
    const before = await live('mw02');
    const releasesBefore = await releases('mw02');
    // When app/ is synced to mw01 and mw02, and mw02's sshd dies once new files land in its new release
    const run = deploy(['sync-file', 'app', 'blobs', '-D', 'targets:mw01,mw02']);
    const deadline = Date.now() + 40_000;
    let cut: string | undefined;
    try {
      while (Date.now() < deadline && cut === undefined) {
        for (const name of await releases('mw02')) {
          if (!releasesBefore.includes(name) && (await temporaries(join(deployDir('mw02'), 'releases', name))).length > 0) cut = name;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      // Even if the watch above throws, the run ends and mw02 comes back before the next test
      await fleet.stopHost('mw02');
      await run.finally(() => fleet.startHost('mw02'));
    }
    const { exitCode, report } = await run;
    // Then mw02 failed in its sync, and its current and live release are as they were
    expect(cut, 'no new file landed on mw02 before the deadline').toBeDefined();
    expect(exitCode).toBe(1);
    expect(report.hosts.find((host) => host.host === 'mw02' && host.phase === 'sync-hosts')?.outcome).toBe('failed');
    expect(await current('mw02')).toBe(live02);
    expect(await live('mw02')).toEqual(before);
    // When the next run goes to the end
    const next = await deploy(['sync-file', 'app', 'blobs again', '-D', 'targets:mw01,mw02']);
    expect(next.exitCode, next.stderr).toBe(0);
    // Then mw02 is on the new tree, and the cut release is gone (a temporary of a failed transfer)
    expect(content(await snapshot(join(deployDir('mw02'), 'current', 'app')))).toEqual(await stagedApp());
    expect(await releases('mw02')).not.toContain(cut);
    await rm(join(stage(), 'app', 'blobs'), { recursive: true });
  }, 90_000);

  it('after a successful run, each host keeps its keep_releases (2) newest releases, current included', async () => {
    // Given the runs above (five releases made on mw01), and the stage changed again
    await writeFile(join(stage(), 'app', 'lib', 'pruned.php'), '<?php // prune\n');
    // When app/ is synced with keep_releases 2
    const { exitCode, stderr } = await deploy(['sync-file', 'app', 'prune']);
    expect(exitCode, stderr).toBe(0);
    // Then each host has two releases: the live one and the one before it, older ones removed
    for (const host of names()) {
      const kept = await releases(host);
      expect(kept, host).toHaveLength(2);
      expect(
        kept.map((name) => `releases/${name}`),
        host,
      ).toContain(await current(host));
    }
  });
});
