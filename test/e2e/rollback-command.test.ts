import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

// In CI the suite must really run against sshd: a skip there would hide a missing install.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');

const PATH = 'php/settings.php';
/** Every byte value, so a restore that is not byte-exact shows. */
const V1 = Buffer.from(Array.from({ length: 50_000 }, (_, index) => (index * 13) % 256));
const V2 = Buffer.from('<?php return ["version" => 2];\n');

interface Report {
  command: string;
  status: string;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string }>;
}

describe.skipIf(!available)('deploy rollback over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;
  const deployed = (host: string) => join(fleet.hosts.find((h) => h.name === host)?.root ?? '', 'deploy', PATH);

  beforeAll(async () => {
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.rollbackCommand);
    fleet = await startSshdFleet({ count: 4, network, port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-rollback-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    await writeFleetDeployConfig(project, fleet, { canaries: ['mw01'] });
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('after a good sync-file, restores every host byte-exact (no file where there was none) and skips a host changed by hand', async () => {
    // Given v1 on mw01-mw03 (mode 640) and no file on mw04
    for (const host of ['mw01', 'mw02', 'mw03']) {
      await mkdir(join(deployed(host), '..'), { recursive: true });
      await writeFile(deployed(host), V1, { mode: 0o640 });
    }
    // And a good sync-file of v2 to every host
    await writeFile(join(project, 'stage', PATH), V2, { mode: 0o644 });
    const synced = await runCli(['sync-file', PATH, 'v2', '--json'], { cwd: project, timeoutMs: 120_000 });
    expect(synced.exitCode, synced.stderr).toBe(0);
    for (const host of fleet.hosts) expect(await readFile(deployed(host.name))).toEqual(V2);
    // And mw03 edited by hand since
    await writeFile(deployed('mw03'), 'hot fix\n');
    const restartsBefore = (await fleet.restartLog('mw03')).length;
    // When the deployer rolls back
    const result = await runCli(['rollback', 'undo v2', '--json'], { cwd: project, timeoutMs: 120_000 });
    // Then every host the run changed has its old file back byte-exact with its mode, mw04 has none
    expect(result.exitCode, result.stderr).toBe(0);
    for (const host of ['mw01', 'mw02']) {
      expect(await readFile(deployed(host))).toEqual(V1);
      expect((await stat(deployed(host))).mode & 0o777).toBe(0o640);
    }
    expect(existsSync(deployed('mw04'))).toBe(false);
    // And mw03 keeps the hand edit, skipped with the reason and not restarted
    expect(await readFile(deployed('mw03'), 'utf8')).toBe('hot fix\n');
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ command: 'rollback', status: 'success' });
    expect(report.hosts.filter((host) => host.host === 'mw03').map((host) => [host.phase, host.outcome])).toEqual([
      ['sync-hosts', 'skipped'],
      ['restart-hosts', 'skipped'],
    ]);
    expect(report.hosts.find((host) => host.host === 'mw03')?.error).toMatch(/^changed since run \d{8}-\d{6}-[0-9a-f]{4}: the file has other content$/);
    expect((await fleet.restartLog('mw03')).length).toBe(restartsBefore);
    expect(result.stderr).toMatch(/Rolled back php\/settings\.php: undo v2 \(duration: \d\dm \d\ds\)\n$/);
    // And no host holds a temporary file
    for (const host of fleet.hosts) {
      const folder = join(host.root, 'deploy', 'php');
      expect((await readdir(folder)).filter((name) => name.includes('.deploy-'))).toEqual([]);
    }
  });
});
