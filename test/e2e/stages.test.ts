import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

// In CI the suite must really run against sshd: a skip there would hide a missing install.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');

const PATH = 'php/payload.bin';
const ALWAYS = '9223372036854775807';
/** Every byte value: a rollback that is not byte-exact shows. */
const OLD = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 11) % 256));
const HOSTS = ['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06', 'mw07', 'mw08', 'mw09'];
/** mw04 starts with no file; every other host with the old one (mode 640). */
const WITHOUT_FILE = 'mw04';

/** Canaries mw01, mw02; stage one: a share of 1 (mw03); two: a list (mw05, mw04); three: 50% of the four left (mw06, mw07); the rest mw08, mw09. */
function stages(twoChecks: string[]): unknown[] {
  return [
    { name: 'one', share: 1, checks: ['test "$DEPLOY_STAGE_HOSTS" = mw03'] },
    { name: 'two', hosts: ['mw05', 'mw04'], checks: twoChecks },
    { name: 'three', share: '50%' },
  ];
}

interface Report {
  status: string;
  phases: Array<{ name: string }>;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string }>;
}

describe.skipIf(!available)('stages over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;
  let payload: Buffer;
  const root = (host: string) => fleet.hosts.find((h) => h.name === host)?.root ?? '';
  const deployed = (host: string) => join(root(host), 'deploy', PATH);
  const restarts = async () => Object.fromEntries(await Promise.all(fleet.hosts.map(async (host) => [host.name, await fleet.restartLog(host.name)] as const)));
  /** What each host ran since `before`: the thresholds its restarts were given. */
  const newRestarts = (before: Awaited<ReturnType<typeof restarts>>, after: Awaited<ReturnType<typeof restarts>>) =>
    Object.fromEntries(Object.entries(after).map(([host, log]) => [host, log.slice(before[host]?.length ?? 0).map((entry) => entry.args.at(-1))]));

  beforeAll(async () => {
    // This file's loopback /24 and port (DEPLOY_TEST_SUBNET, DEPLOY_TEST_PORT).
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.stages);
    fleet = await startSshdFleet({ count: HOSTS.length, network, port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-stages-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    payload = Buffer.alloc(128 * 1024, 'new code\n');
    await writeFile(join(project, 'stage', PATH), payload, { mode: 0o644 });
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });
  beforeEach(async () => {
    for (const host of fleet.hosts) {
      await fleet.setBehaviour(host.name, { kind: 'ok' });
      await rm(join(host.root, 'deploy'), { recursive: true, force: true });
      await mkdir(join(host.root, 'deploy', 'php'), { recursive: true });
      if (host.name !== WITHOUT_FILE) await writeFile(deployed(host.name), OLD, { mode: 0o640 });
    }
  });

  it('runs canaries, three stages (shares and a list) and the rest, in order', async () => {
    // Given three stages whose checks pass
    await writeFleetDeployConfig(project, fleet, { canaries: ['mw01', 'mw02'], stages: stages(['test "$DEPLOY_STAGE" = two']) });
    // When the file is synced
    const result = await runCli(['sync-file', PATH, 'e2e stages', '--json'], { cwd: project, timeoutMs: 120_000 });
    // Then every host has the new file, each stage took its hosts, and the phases ran in order
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const phaseHosts = (phase: string) => report.hosts.filter((host) => host.phase === phase).map((host) => host.host);
    expect(report.phases.map((phase) => phase.name)).toEqual([
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'sync-one',
      'restart-one',
      'check-one',
      'sync-two',
      'restart-two',
      'check-two',
      'sync-three',
      'restart-three',
      'sync-hosts',
      'restart-hosts',
    ]);
    expect([phaseHosts('sync-one'), phaseHosts('sync-two'), phaseHosts('sync-three'), phaseHosts('sync-hosts')]).toEqual([
      ['mw03'],
      ['mw05', 'mw04'],
      ['mw06', 'mw07'],
      ['mw08', 'mw09'],
    ]);
    for (const host of HOSTS) expect((await readFile(deployed(host))).equals(payload), host).toBe(true);
  }, 150_000);

  it("rolls back the canaries and the first stages byte-exact when the second stage's check fails, and touches nothing later", async () => {
    // Given the second stage's check failing
    await writeFleetDeployConfig(project, fleet, { canaries: ['mw01', 'mw02'], stages: stages(['echo "5xx above the bound" >&2; exit 1']) });
    const before = await restarts();
    const later = ['mw06', 'mw07', 'mw08', 'mw09'];
    const untouched = Object.fromEntries(await Promise.all(later.map(async (host) => [host, (await stat(deployed(host))).mtimeMs] as const)));
    // When the file is synced
    const result = await runCli(['sync-file', PATH, 'e2e stage rollback', '--json'], { cwd: project, timeoutMs: 120_000 });
    // Then the run is rolled back, exit 1, with the last line naming the stage
    expect(result.exitCode, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.status).toBe('rolled-back');
    expect(result.stderr).toMatch(/Rolled back php\/payload.bin on 5 hosts: checks of stage two failed \(duration: \d\dm \d\ds\)\n$/);
    // And the canaries and stages one and two have their old bytes and mode back; mw04 has no file, and no temporary file is left
    for (const host of ['mw01', 'mw02', 'mw03', 'mw05']) {
      expect((await readFile(deployed(host))).equals(OLD), host).toBe(true);
      expect((await stat(deployed(host))).mode & 0o7777).toBe(0o640);
    }
    expect(existsSync(deployed('mw04'))).toBe(false);
    expect(await readdir(join(root('mw04'), 'deploy', 'php'))).toEqual([]);
    // And each was restarted twice (the configured threshold, then the always one); the later hosts not at all
    expect(newRestarts(before, await restarts())).toEqual({
      mw01: ['100', ALWAYS],
      mw02: ['100', ALWAYS],
      mw03: ['100', ALWAYS],
      mw04: ['100', ALWAYS],
      mw05: ['100', ALWAYS],
      mw06: [],
      mw07: [],
      mw08: [],
      mw09: [],
    });
    // And the later hosts' files were not written, and they are not started in the report
    for (const host of later) {
      expect((await readFile(deployed(host))).equals(OLD), host).toBe(true);
      expect((await stat(deployed(host))).mtimeMs).toBe(untouched[host]);
    }
    expect(report.hosts.filter((host) => later.includes(host.host)).every((host) => host.outcome === 'not-started')).toBe(true);
  }, 150_000);
});
