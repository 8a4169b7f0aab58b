import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type FleetHost, type SshdFleet } from './fleet/sshd-fleet.js';
import { runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { fleetHostPid } from '../servers/fleet-host.js';
import { rsyncAvailable, startRsyncDaemon, type TestRsyncDaemon } from '../servers/rsync-daemon.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';

// In CI the suite must really run: a skip there would hide a missing install.
const available = sshdAvailable() && rsyncAvailable({ nsenter: true });
if (!available && process.env.CI) throw new Error('the sync_proxies e2e test needs root, sshd, unshare, nsenter and rsync (see test/servers/ci-install.sh)');

const PROXIES = 3;
const TARGETS = 6;
const PATH = 'php/payload.bin';
/** deploy has each target fetch from rsync's own port: the daemons listen there, on each proxy's address. */
const RSYNC_PORT = 873;
/** Files in the big tree: their item lines (~500 bytes each) run well past the transports' 64 KiB output cap. */
const MANY = 180;

interface HostLine {
  host: string;
  phase: string;
  outcome: string;
  source?: string;
  stderr?: string;
  error?: string;
  changed?: number;
}
interface Report {
  status: string;
  exitCode: number;
  hosts: HostLine[];
}

describe.skipIf(!available)('sync-file through sync_proxies on a real OpenSSH fleet with rsync daemons', () => {
  let fleet: SshdFleet;
  let project: string;
  let proxies: FleetHost[];
  let targets: FleetHost[];
  let daemons: TestRsyncDaemon[] = [];
  let oldContent: Buffer;
  let newContent: Buffer;
  /** How deploy names a proxy: its address and SSH port (the daemons listen on the same address). */
  const proxyName = (host: FleetHost) => `${host.address}:${host.port}`;
  const onHost = (host: FleetHost, rel = PATH) => join(host.root, 'deploy', rel);

  beforeAll(async () => {
    // This file's loopback /24 and port (DEPLOY_TEST_SUBNET, DEPLOY_TEST_PORT; default 127.0.7.x:2222).
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.syncProxies);
    fleet = await startSshdFleet({ count: PROXIES + TARGETS, network, port });
    proxies = fleet.hosts.slice(0, PROXIES);
    targets = fleet.hosts.slice(PROXIES);
    // Each proxy runs a real rsync daemon in its own namespaces: module `deploy` is its deploy_dir.
    daemons = await Promise.all(
      proxies.map((host) =>
        startRsyncDaemon({ path: fleet.deployDir, module: 'deploy', nsenterPid: fleetHostPid(host), address: host.address, port: RSYNC_PORT }),
      ),
    );
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-proxies-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    await writeFleetDeployConfig(project, fleet, {
      targets: targets.map((host) => host.name),
      canaries: [targets[0]!.name],
      sync_proxies: proxies.map(proxyName),
      sync_proxy_module: 'deploy',
      ssh_connect_timeout: 10,
      php_fpm: undefined,
      sync_concurrency: 3,
      failure_limit: 0,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });
  /** A new target: its deploy_dir is empty (no php/ folder yet). */
  const fresh = () => targets.at(-1)!;
  beforeEach(async () => {
    // Every host but the fresh one starts with an old file of another size; the staged file is new random bytes.
    oldContent = randomBytes(1024 * 1024 + 17);
    newContent = randomBytes(3 * 1024 * 1024 + 5);
    for (const host of fleet.hosts) {
      await rm(join(host.root, 'deploy'), { recursive: true, force: true });
      await mkdir(join(host.root, 'deploy'), { recursive: true });
      if (host === fresh()) continue;
      await mkdir(join(host.root, 'deploy', 'php'));
      await writeFile(onHost(host), oldContent);
    }
    await writeFile(join(project, 'stage', PATH), newContent);
    for (const daemon of daemons) await daemon.up();
  });

  /** `deploy sync-file` (the built CLI) as JSON, while every target's file is read over and over. */
  async function syncFile(): Promise<{ exitCode: number; report: Report; stderr: string; torn: string[]; reads: number }> {
    let running = true;
    const torn: string[] = [];
    let reads = 0;
    // While the run goes, every read of a target's file must be the old file or the new one (none yet, on the fresh target).
    const watcher = (async () => {
      while (running) {
        for (const host of targets) {
          const seen = await readFile(onHost(host)).catch((e: NodeJS.ErrnoException) =>
            host === fresh() && e.code === 'ENOENT' ? oldContent : Buffer.from(`<${e.code}>`),
          );
          reads += 1;
          if (!seen.equals(oldContent) && !seen.equals(newContent)) torn.push(`${host.name}: ${seen.length} bytes`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const result = await runCli(['sync-file', PATH, 'e2e sync proxies', '--json'], { cwd: project, timeoutMs: 180_000 });
      expect(result.stdout, result.stderr).not.toBe('');
      return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr, torn, reads };
    } finally {
      running = false;
      await watcher;
    }
  }

  /** Each target's `source` in the report (sync-canaries and sync-hosts). */
  const sources = (report: Report): Map<string, string | undefined> =>
    new Map(report.hosts.filter((h) => h.phase === 'sync-canaries' || h.phase === 'sync-hosts').map((h) => [h.host, h.source]));

  /** Every file under a host's deploy_dir but the deployed one (a temporary left behind, say). */
  async function strayFiles(host: FleetHost): Promise<string[]> {
    const root = join(host.root, 'deploy');
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(root, join(e.parentPath, e.name)))
      .filter((rel) => rel !== PATH);
  }

  async function expectEveryTargetExact(): Promise<void> {
    for (const host of [...proxies, ...targets]) {
      expect((await readFile(onHost(host))).equals(newContent), `${host.name} holds the new file byte for byte`).toBe(true);
      expect(await strayFiles(host), `${host.name} has no leftover`).toEqual([]);
    }
  }

  it('gets every target its file from a proxy, spread evenly, with nothing partial along the way', async () => {
    // Given three proxies whose daemons all serve, five targets holding an old file and a fresh one with no php/ folder
    const logsBefore = await Promise.all(daemons.map((daemon) => daemon.log()));
    // When the file is synced
    const { exitCode, report, torn, reads } = await syncFile();
    // Then the run succeeded, every host (proxies too) has the new file byte for byte, and no leftover
    expect(exitCode, JSON.stringify(report.hosts.filter((h) => h.outcome !== 'ok'))).toBe(0);
    expect(report.status).toBe('success');
    await expectEveryTargetExact();
    // And target i got it from proxy i mod 3: two targets per proxy, none direct
    const bySource = sources(report);
    for (const [i, host] of targets.entries()) expect(bySource.get(host.name), host.name).toBe(proxyName(proxies[i % PROXIES]!));
    // And the proxies' own daemons really served it: each sent the whole file twice (two targets)
    for (const [i, daemon] of daemons.entries()) {
      const served = (await daemon.log()).slice(logsBefore[i]!.length).match(/total size (\d+)/g) ?? [];
      expect(served, `daemon of ${proxies[i]!.name}`).toEqual([`total size ${newContent.length}`, `total size ${newContent.length}`]);
    }
    // And no read of a target's file during the run saw anything but the old or the new file
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
  }, 200_000);

  it('sends the targets of a proxy whose daemon is down to the next proxy', async () => {
    // Given the first proxy's daemon stopped (its sshd still up: it receives the file)
    await daemons[0]!.down();
    // When the file is synced
    const { exitCode, report, torn } = await syncFile();
    // Then it succeeded, every target byte-exact, nothing left behind, nothing torn
    expect(exitCode, JSON.stringify(report.hosts.filter((h) => h.outcome !== 'ok'))).toBe(0);
    await expectEveryTargetExact();
    expect(torn).toEqual([]);
    // And the first proxy's targets (0 and 3) got it from the second proxy, the others from their own
    const bySource = sources(report);
    targets.forEach((host, i) => {
      const own = i % PROXIES;
      expect(bySource.get(host.name), host.name).toBe(proxyName(proxies[own === 0 ? 1 : own]!));
    });
    // And those targets say why their first proxy was passed over
    const passedOver = report.hosts.find((h) => h.host === targets[0]!.name && h.phase === 'sync-canaries');
    expect(passedOver?.stderr).toContain(`${proxies[0]!.address}:${proxies[0]!.port}: rsync exited`);
  }, 200_000);

  it('writes straight from this machine when no proxy daemon serves', async () => {
    // Given every daemon stopped
    for (const daemon of daemons) await daemon.down();
    // When the file is synced
    const { exitCode, report, torn } = await syncFile();
    // Then it succeeded, every target byte-exact with no leftover, each `direct`
    expect(exitCode, JSON.stringify(report.hosts.filter((h) => h.outcome !== 'ok'))).toBe(0);
    await expectEveryTargetExact();
    expect(torn).toEqual([]);
    const bySource = sources(report);
    for (const host of targets) expect(bySource.get(host.name), host.name).toBe('direct');
  }, 200_000);
  it('syncs a folder through the proxies: each target pulls the tree from a proxy daemon, its old files kept in the run backup', async () => {
    // Given a staged folder php/ with the new file, a nested file and a link; the targets hold only the old file
    await mkdir(join(project, 'stage', 'php', 'lib'), { recursive: true });
    await writeFile(join(project, 'stage', 'php', 'lib', 'util.php'), '<?php // util\n');
    await rm(join(project, 'stage', 'php', 'link.php'), { force: true });
    await symlink('lib/util.php', join(project, 'stage', 'php', 'link.php'));
    try {
      // When the folder is synced
      const result = await runCli(['sync-file', 'php', 'e2e tree via proxies', '--json'], { cwd: project, timeoutMs: 180_000 });
      const report = JSON.parse(result.stdout) as Report & { tree?: { files: number } };
      // Then it succeeded and every target has the tree byte for byte, the link as a link
      expect(result.exitCode, result.stderr).toBe(0);
      expect(report.tree?.files).toBe(2);
      for (const host of targets) {
        expect((await readFile(onHost(host))).equals(newContent), host.name).toBe(true);
        expect(await readFile(onHost(host, 'php/lib/util.php'), 'utf8')).toBe('<?php // util\n');
        expect(await readlink(onHost(host, 'php/link.php'))).toBe('lib/util.php');
      }
      // And each target pulled from its proxy (none direct), nothing sent to it from here
      const bySource = sources(report);
      for (const [i, host] of targets.entries()) expect(bySource.get(host.name), host.name).toBe(proxyName(proxies[i % PROXIES]!));
      const synced = report.hosts.filter((h) => h.phase === 'sync-hosts') as Array<{ bytesSent?: number; changed?: number }>;
      expect(synced.every((h) => h.bytesSent === 0 && (h.changed ?? 0) >= 2)).toBe(true);
    } finally {
      await rm(join(project, 'stage', 'php', 'lib'), { recursive: true, force: true });
      await rm(join(project, 'stage', 'php', 'link.php'), { force: true });
    }
  }, 200_000);

  it('counts and records every file of a first pull whose item lines run past the 64 KiB output cap: deploy rollback removes them all', async () => {
    // Given a staged folder php/ with the new file and 180 more with long paths (not .php: no lint): a first pull prints ~90 KB of item lines
    const many = join(project, 'stage', 'php', 'many');
    const folder = join(many, 'a-folder-'.repeat(26));
    await mkdir(folder, { recursive: true });
    const names = Array.from({ length: MANY }, (_, i) => `${String(i).padStart(4, '0')}-${'a-file-name-'.repeat(19)}.txt`);
    await Promise.all(names.map((name) => writeFile(join(folder, name), `${name}\n`)));
    try {
      // When the folder is synced through the proxies
      const synced = await runCli(['sync-file', 'php', 'e2e big tree via proxies', '--json'], { cwd: project, timeoutMs: 180_000 });
      expect(synced.exitCode, synced.stderr).toBe(0);
      const report = JSON.parse(synced.stdout) as Report;
      // Then every target pulled from its proxy, and its count is every file it got: the new payload and all of many/
      const pulled = new Map(report.hosts.filter((h) => h.phase === 'sync-canaries' || h.phase === 'sync-hosts').map((h) => [h.host, [h.source, h.changed]]));
      for (const [i, host] of targets.entries()) expect(pulled.get(host.name), host.name).toEqual([proxyName(proxies[i % PROXIES]!), MANY + 1]);
      // When the deployer rolls the run back
      const rolledBack = await runCli(['rollback', 'undo the big tree', '--json'], { cwd: project, timeoutMs: 180_000 });
      // Then every file the run added is gone from every target, and each old payload is back (the fresh target has none)
      expect(rolledBack.exitCode, rolledBack.stderr).toBe(0);
      for (const host of targets) {
        const left = await readdir(join(host.root, 'deploy', 'php', 'many')).catch(() => []);
        expect(left.length, `${host.name}: files of many/ left`).toBe(0);
        const payload = await readFile(onHost(host)).catch(() => null);
        expect(host === fresh() ? payload : payload?.equals(oldContent), host.name).toBe(host === fresh() ? null : true);
      }
    } finally {
      await rm(many, { recursive: true, force: true });
    }
  }, 200_000);
});
