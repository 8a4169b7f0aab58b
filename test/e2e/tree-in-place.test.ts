import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir, runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { RECORD_RESTART, content, installRecordingRestart, restartRecords, snapshot, temporaries, writeStagedApp } from './fleet/tree-fleet.js';

/**
 * `deploy sync-file <folder>`, `deploy sync-world`, canary rollback and `deploy rollback` of a
 * tree with deploy_layout in-place, through the CLI, on a real OpenSSH fleet (4 hosts, canary
 * mw01). The tests share the fleet and run in order: each one's Given is what the one before
 * left on the hosts (it says so), which keeps the file's wall time low.
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
  command: string;
  path?: string;
  status: string;
  exitCode: number;
  tree?: { files: number; bytes: number };
  phases: Array<{ name: string; ok: number; failed: number; skipped: number }>;
  hosts: HostEntry[];
}

describe.skipIf(!available)('trees in place over SSH, through the CLI', () => {
  let fleet: SshdFleet;
  let project: string;
  const stage = () => join(project, 'stage');
  const root = (host: string) => fleet.hosts.find((h) => h.name === host)?.root ?? '';
  /** The host's copy of app/ (on this machine). */
  const app = (host: string) => join(root(host), 'deploy', 'app');
  const names = () => fleet.hosts.map((host) => host.name);
  const hostsTrees = async () =>
    Object.fromEntries(await Promise.all(names().map(async (name) => [name, await snapshot(join(root(name), 'deploy'), ['.deploy'])] as const)));
  const restarts = async () => Object.fromEntries(await Promise.all(names().map(async (name) => [name, (await restartRecords(fleet, name)).length] as const)));

  async function configure(overrides: Record<string, unknown> = {}): Promise<void> {
    await writeFleetDeployConfig(project, fleet, {
      canaries: ['mw01'],
      php_fpm_restart_script: RECORD_RESTART,
      sync_exclude: ['/cache/', '.git/'],
      failure_limit: 1,
      restart_concurrency: 2,
      ...overrides,
    });
  }
  async function deploy(args: string[]): Promise<{ exitCode: number; report: Report; stderr: string }> {
    const result = await runCli([...args, '--json'], { cwd: project, timeoutMs: 60_000 });
    expect(result.stdout, result.stderr).not.toBe('');
    return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  }
  const entries = (report: Report, phase: string) => report.hosts.filter((host) => host.phase === phase);
  const syncEntries = (report: Report) => report.hosts.filter((host) => host.phase === 'sync-canaries' || host.phase === 'sync-hosts');

  beforeAll(async () => {
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.treeInPlace);
    fleet = await startSshdFleet({ count: 4, network, port });
    await installRecordingRestart(fleet);
    project = await makeTempDir('deploy-e2e-tree-in-place-');
    await writeStagedApp(stage());
    // A file outside app/: sync-file app never touches it; sync-world sends it.
    await writeFile(join(stage(), 'README'), 'the stage\n');
    await configure();
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  let firstBytes = 0;
  let firstReport: Report | undefined;

  it('first sync: every host gets the tree with its modes and mtimes, the link as a link, the excluded folder never sent (nor deleted)', async () => {
    // Given mw02 with a cache/ of its own in app/ (excluded: neither sent nor deleted)
    await mkdir(join(app('mw02'), 'cache'), { recursive: true });
    await writeFile(join(app('mw02'), 'cache', 'local.dat'), 'host-local\n');
    const staged = content(await snapshot(join(stage(), 'app'), ['cache']));
    // When the folder is synced
    const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'first tree']);
    // Then the run succeeds, canaries first
    expect(exitCode, stderr).toBe(0);
    expect(report.status).toBe('success');
    expect(report.phases.map((phase) => phase.name)).toEqual(['sync-canaries', 'restart-canaries', 'check-canaries', 'sync-hosts', 'restart-hosts']);
    const synced = syncEntries(report);
    firstBytes = Math.min(...synced.map((host) => host.bytesSent ?? 0));
    // And every host has the same tree as the stage: modes, mtimes, content, link as a link
    for (const host of names()) {
      const tree = content(await snapshot(app(host), ['cache']));
      expect(tree, host).toEqual(staged);
      expect(tree['bin/tool.sh']?.mode, host).toBe(0o755);
      expect(tree['config.json']?.mode, host).toBe(0o640);
      expect(tree['link.php'], host).toMatchObject({ type: 'link', target: 'lib/util.php' });
    }
    // And cache/ was never sent, and mw02's own cache/ is still there
    for (const host of ['mw01', 'mw03', 'mw04']) expect(existsSync(join(app(host), 'cache')), host).toBe(false);
    expect(existsSync(join(app('mw02'), 'cache', 'local.dat'))).toBe(true);
    // And each host reports 7 changed (6 files and the link; folders not counted), none removed
    expect(synced.map((host) => [host.host, host.outcome, host.changed, host.removed])).toEqual([
      ['mw01', 'ok', 7, 0],
      ['mw02', 'ok', 7, 0],
      ['mw03', 'ok', 7, 0],
      ['mw04', 'ok', 7, 0],
    ]);
    expect(firstBytes).toBeGreaterThan(256 * 1024);
    // And outside app/ nothing was sent
    for (const host of names()) expect(existsSync(join(root(host), 'deploy', 'README')), host).toBe(false);
    firstReport = report;
  });

  it("the JSON report's tree counts the regular files the run sends and their bytes, the excluded folder left out", async () => {
    // Given the first sync's report, and the stage it sent (cache/ excluded)
    const staged = await snapshot(join(stage(), 'app'), ['cache']);
    const files = Object.values(staged).filter((entry) => entry.type === 'file');
    // Then its tree is those 6 files and their bytes (SPEC: "tree": {"files", "bytes"}; staged-tree.ts: "exclusions left out")
    expect(firstReport?.tree).toEqual({ files: 6, bytes: files.reduce((sum, entry) => sum + (entry.size ?? 0), 0) });
  });

  it('a re-sync of two changed files and one deleted sends only those: changed 2, removed 1 per host, bytes far below the first sync', async () => {
    // Given the first sync's tree on every host, and on the stage two files changed, one deleted
    await writeFile(join(stage(), 'app', 'index.php'), '<?php echo "v2";\n');
    await writeFile(join(stage(), 'app', 'lib', 'util.php'), '<?php function util() { return 2; }\n');
    await unlink(join(stage(), 'app', 'lib', 'deep', 'nested', 'x.php'));
    // When the folder is synced again
    const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'second tree']);
    // Then each host got exactly that change, with a fraction of the bytes
    expect(exitCode, stderr).toBe(0);
    for (const host of syncEntries(report)) {
      expect([host.host, host.changed, host.removed]).toEqual([host.host, 2, 1]);
      expect(host.bytesSent, host.host).toBeLessThan(firstBytes / 10);
    }
    const staged = content(await snapshot(join(stage(), 'app'), ['cache']));
    for (const host of names()) expect(content(await snapshot(app(host), ['cache'])), host).toEqual(staged);
  });

  it('a file changed by hand on one host is detected and replaced; the other hosts get nothing', async () => {
    // Given mw03's index.php edited by hand (same size, its own mtime)
    const staged = content(await snapshot(join(stage(), 'app'), ['cache']));
    await writeFile(join(app('mw03'), 'index.php'), '<?php echo "HF";\n');
    // When the same folder is synced again
    const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'repair']);
    // Then mw03 alone changed one file, and has the staged one back
    expect(exitCode, stderr).toBe(0);
    expect(syncEntries(report).map((host) => [host.host, host.changed, host.removed])).toEqual([
      ['mw01', 0, 0],
      ['mw02', 0, 0],
      ['mw03', 1, 0],
      ['mw04', 0, 0],
    ]);
    expect(content(await snapshot(app('mw03'), ['cache']))).toEqual(staged);
  });

  it('failed canary checks roll the canary back byte-exact (changed, added and removed files), touch no other host: rolled-back, exit 1', async () => {
    // Given every host in sync, and a stage that changes one file, adds one and deletes one
    const before = await hostsTrees();
    const restartsBefore = await restarts();
    await writeFile(join(stage(), 'app', 'config.json'), '{"db": "db2002"}\n');
    await writeFile(join(stage(), 'app', 'lib', 'added.php'), '<?php // new\n');
    await unlink(join(stage(), 'app', 'bin', 'tool.sh'));
    await configure({ canary_checks: ['echo "5xx above the bound" >&2; exit 1'] });
    try {
      // When the folder is synced and the canary check fails
      const { exitCode, report, stderr } = await deploy(['sync-file', 'app', 'bad tree']);
      // Then the run is rolled back, exit 1
      expect(exitCode, stderr).toBe(1);
      expect(report.status).toBe('rolled-back');
      expect(entries(report, 'rollback-sync').map((host) => [host.host, host.outcome])).toEqual([['mw01', 'ok']]);
      // And every host's tree is exactly as before: the canary's put back (new inodes), the others never touched (same inodes)
      const after = await hostsTrees();
      expect(content(after.mw01 ?? {})).toEqual(content(before.mw01 ?? {}));
      for (const host of ['mw02', 'mw03', 'mw04']) expect(after[host], host).toEqual(before[host]);
      // And the canary was restarted twice (the run's restart, the rollback's), the others not at all
      const restartsAfter = await restarts();
      expect(Object.fromEntries(names().map((name) => [name, (restartsAfter[name] ?? 0) - (restartsBefore[name] ?? 0)]))).toEqual({
        mw01: 2,
        mw02: 0,
        mw03: 0,
        mw04: 0,
      });
      expect(stderr).toMatch(/Rolled back app on 1 host: canary checks failed \(duration: \d\dm \d\ds\)\n$/);
      // And no temporary file is left on the canary
      expect(await temporaries(join(root('mw01'), 'deploy'))).toEqual([]);
    } finally {
      await configure();
    }
  });

  it('deploy rollback puts back every file the last run changed or removed and removes what it added; a host changed by hand since is skipped', async () => {
    // Given every host in sync with the last good run, and that stage (changed, added, deleted) synced
    const before = await hostsTrees();
    const synced = await deploy(['sync-file', 'app', 'third tree']);
    expect(synced.exitCode, synced.stderr).toBe(0);
    expect(existsSync(join(app('mw02'), 'lib', 'added.php'))).toBe(true);
    // And mw04's config.json edited by hand since
    await writeFile(join(app('mw04'), 'config.json'), '{"db": "hand"}\n');
    const mw04 = await snapshot(join(root('mw04'), 'deploy'), ['.deploy']);
    // When the deployer rolls back
    const { exitCode, report, stderr } = await deploy(['rollback', 'undo third']);
    // Then mw01-mw03 have their trees from before that run back (the added file gone, the removed one back)
    expect(exitCode, stderr).toBe(0);
    const after = await hostsTrees();
    for (const host of ['mw01', 'mw02', 'mw03']) expect(content(after[host] ?? {}), host).toEqual(content(before[host] ?? {}));
    // And mw04 is skipped as changed since the run, untouched
    const skipped = report.hosts.filter((host) => host.host === 'mw04');
    expect(skipped.map((host) => [host.phase, host.outcome])).toEqual([
      ['sync-hosts', 'skipped'],
      ['restart-hosts', 'skipped'],
    ]);
    expect(skipped[0]?.error).toMatch(/^changed since run \d{8}-\d{6}-[0-9a-f]{4}/);
    expect(after.mw04).toEqual(mw04);
    expect(stderr).toMatch(/Rolled back app: undo third \(duration: \d\dm \d\ds\)\n$/);
    for (const host of names()) expect(await temporaries(join(root(host), 'deploy')), host).toEqual([]);
  });

  it('a deploy killed (SIGKILL) half-way through a transfer leaves the old tree whole; no temporary file is left after the next good run', async () => {
    // Given mw01 alone (-D targets:mw01: less to send) in sync with a stage whose big folder then changes entirely (12 MiB)
    const only = ['-D', 'targets:mw01'];
    await mkdir(join(stage(), 'app', 'blobs'), { recursive: true });
    const blob = (index: number) => writeFile(join(stage(), 'app', 'blobs', `${String(index).padStart(2, '0')}.bin`), randomBytes(1024 * 1024));
    for (let index = 0; index < 12; index++) await blob(index);
    const good = await deploy(['sync-file', 'app', 'blobs v1', ...only]);
    expect(good.exitCode, good.stderr).toBe(0);
    for (let index = 0; index < 12; index++) await blob(index);
    const before = await snapshot(app('mw01'));
    // When the deploy is SIGKILLed once new files are landing on the canary
    const child = execa(process.execPath, [BIN, 'sync-file', 'app', 'blobs v2', ...only, '--json'], {
      cwd: project,
      reject: false,
      env: { CI: '1', NO_COLOR: '1', XDG_STATE_HOME: join(project, 'state') },
    });
    const deadline = Date.now() + 30_000;
    let landing: string[] = [];
    while (Date.now() < deadline && landing.length === 0) {
      landing = await temporaries(app('mw01'));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    expect(landing, 'the kill came before any new file landed').not.toEqual([]);
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    // And nothing it started goes on sending in its place (its rsync, its ssh tunnel client)
    const source = join(stage(), 'app');
    const left = async () => (await execa('ps', ['-eo', 'pid=,args='])).stdout.split('\n').filter((line) => line.includes(source) || line.includes('blobs v2'));
    const gone = Date.now() + 5_000;
    while (Date.now() < gone && (await left()).length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await left()).toEqual([]);

    // Then the canary's tree is still the old one, whole (whatever temporaries lie beside it)
    const cut = await snapshot(app('mw01'), ['.~tmp~']);
    expect(content(cut)).toEqual(content(Object.fromEntries(Object.entries(before).filter(([path]) => !path.includes('.~tmp~')))));
    // When the next run goes to the end
    const next = await deploy(['sync-file', 'app', 'blobs v2 again', ...only]);
    // Then mw01 has the new tree and no temporary file
    expect(next.exitCode, next.stderr).toBe(0);
    const staged = content(await snapshot(join(stage(), 'app'), ['cache']));
    expect(content(await snapshot(app('mw01'), ['cache']))).toEqual(staged);
    expect(await temporaries(join(root('mw01'), 'deploy'))).toEqual([]);
    // (the other hosts never get the blobs: the next tests start from the stage without them)
    await rm(join(stage(), 'app', 'blobs'), { recursive: true });
  }, 90_000);

  it('--dry-run of a tree names its files, bytes, exclusions and layout, and touches nothing', async () => {
    // Given the hosts as they are
    const before = await hostsTrees();
    const restartsBefore = await restarts();
    // When the deployer asks for the plan of a sync-world
    const result = await runCli(['sync-world', '--dry-run', 'plan only'], { cwd: project });
    // Then it names the tree, the exclusions and the layout
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^tree: all of stage_dir → \/srv\/fleet\/deploy: \d+ files \([\d.]+ kB\), 1 link; sync_exclude: \/cache\/ \.git\/$/m);
    expect(result.stdout).toMatch(/^layout: in-place: .*what the stage no longer has is removed \(sync_delete\)$/m);
    expect(result.stdout).toMatch(/^lint: /m);
    // And nothing was touched: no host's tree, no restart, no lock
    expect(await hostsTrees()).toEqual(before);
    expect(await restarts()).toEqual(restartsBefore);
    expect(existsSync(join(project, 'deploy.lock'))).toBe(false);
  });

  it('sync-world syncs the whole stage (less exclusions) and ends with "Finished sync-world: <message>"', async () => {
    // Given a stage with README beside app/
    // When the whole stage is synced (human output)
    const result = await runCli(['sync-world', 'weekly train'], { cwd: project, timeoutMs: 60_000 });
    // Then every host has the stage as its deploy_dir, less cache/
    expect(result.exitCode, result.stdout).toBe(0);
    const staged = content(await snapshot(stage(), ['cache']));
    for (const host of names()) expect(content(await snapshot(join(root(host), 'deploy'), ['cache', '.deploy'])), host).toEqual(staged);
    // And the last line says so
    expect(result.stdout).toMatch(/Finished sync-world: weekly train \(duration: \d\dm \d\ds\)\n$/);
  });

  describe('bad trees are usage errors: exit 2, one line naming the culprit, nothing touched', () => {
    async function expectUntouched(args: string[], culprit: string): Promise<void> {
      const before = await hostsTrees();
      const restartsBefore = await restarts();
      // When the folder is synced
      const result = await runCli(args, { cwd: project });
      // Then it is a usage error: exit 2, one line on stderr naming the culprit
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      expect(result.exitCode, result.stderr).toBe(2);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toContain(culprit);
      expect(result.stdout).toBe('');
      // And nothing was touched: no host's tree, no restart, no lock
      expect(await hostsTrees()).toEqual(before);
      expect(await restarts()).toEqual(restartsBefore);
      expect(existsSync(join(project, 'deploy.lock'))).toBe(false);
    }

    it('a FIFO in the tree', async () => {
      // Given a named pipe in app/lib (and a change beside it that a run would send)
      const fifo = join(stage(), 'app', 'lib', 'queue');
      await execa('mkfifo', [fifo]);
      await writeFile(join(stage(), 'app', 'index.php'), '<?php echo "with a fifo";\n');
      try {
        await expectUntouched(['sync-file', 'app', 'fifo'], 'lib/queue');
      } finally {
        await rm(fifo);
      }
    });

    it('a symbolic link in the tree whose target resolves outside stage_dir', async () => {
      // Given app/secrets -> a folder outside stage_dir
      const outside = join(project, 'outside');
      await mkdir(outside, { recursive: true });
      await writeFile(join(outside, 'passwords'), 'hunter2\n');
      const link = join(stage(), 'app', 'secrets');
      await symlink(outside, link);
      try {
        await expectUntouched(['sync-file', 'app', 'escape'], 'secrets');
      } finally {
        await rm(link);
      }
    });

    it('a folder argument that is a symbolic link to a folder outside stage_dir', async () => {
      // Given stage/elsewhere -> a folder outside stage_dir
      const outside = join(project, 'outside-folder');
      await mkdir(outside, { recursive: true });
      await writeFile(join(outside, 'x.php'), '<?php\n');
      const link = join(stage(), 'elsewhere');
      await symlink(outside, link);
      try {
        await expectUntouched(['sync-file', 'elsewhere', 'escape'], 'elsewhere');
      } finally {
        await rm(link);
      }
    });
  });
});
