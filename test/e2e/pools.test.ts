import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');

// Three pools of unequal size: big mw01-mw06, mid mw07-mw09, small mw10.
const BIG = ['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06'];
const MID = ['mw07', 'mw08', 'mw09'];
const SMALL = ['mw10'];
const SLEEP_MS = 600;

interface Report {
  status: string;
  exitCode: number;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string; pool?: string }>;
  pools?: Array<{ name: string; hosts: string[]; halted: boolean }>;
}

/**
 * The most intervals [start, start + SLEEP_MS) overlapping at once. Each is inside the host's
 * real restart (which lasts at least the sleep), so a count here never exceeds the real one:
 * a limit held for real is held here too, under any load.
 */
function mostAtOnce(starts: readonly number[]): number {
  let most = 0;
  for (const t of starts) most = Math.max(most, starts.filter((s) => s <= t && t < s + SLEEP_MS).length);
  return most;
}

describe.skipIf(!available)('pools over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;

  beforeAll(async () => {
    const net = testNetwork(TEST_NETWORK_OFFSET.pools);
    fleet = await startSshdFleet({ count: 10, network: net.network, port: net.port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-pools-'));
  });
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  async function restart(config: Record<string, unknown>): Promise<{ exitCode: number; report: Report; stderr: string; since: number }> {
    await writeFleetDeployConfig(project, fleet, { pools: { big: BIG, mid: MID, small: SMALL }, ...config });
    const since = Date.now();
    const result = await runCli(['php-fpm-restart', 'e2e pools', '--json'], { cwd: project, timeoutMs: 100_000 });
    expect(result.stdout, result.stderr).not.toBe('');
    return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr, since };
  }

  const startsOf = async (hosts: readonly string[], since: number): Promise<number[]> =>
    (await Promise.all(hosts.map((host) => fleet.restartLog(host))))
      .flat()
      .filter((entry) => entry.at >= since)
      .map((entry) => entry.at);

  it("holds the window, each pool's cap and max_parallel_pools, and restarts every host once", async () => {
    // Given every restart sleeping 0.6 s, a window of 4, 50% per pool (caps 3, 2, 1), at most 2 pools at once
    for (const host of fleet.hosts) await fleet.setBehaviour(host.name, { kind: 'ok', sleepMs: SLEEP_MS });
    // When php-fpm is restarted
    const { exitCode, report, since } = await restart({ restart_concurrency: 4, pool_concurrency: '50%', max_parallel_pools: 2, failure_limit: 0 });
    // Then it succeeded, each host restarted once, and no limit was exceeded (from the script's own log)
    expect(exitCode, JSON.stringify(report.hosts.filter((h) => h.outcome !== 'ok'))).toBe(0);
    expect(report.status).toBe('success');
    const all = await startsOf([...BIG, ...MID, ...SMALL], since);
    expect(all).toHaveLength(10);
    expect(mostAtOnce(all)).toBeLessThanOrEqual(4);
    expect(mostAtOnce(await startsOf(BIG, since))).toBeLessThanOrEqual(3);
    expect(mostAtOnce(await startsOf(MID, since))).toBeLessThanOrEqual(2);
    // And at no moment did all three pools run at once
    const pools = await Promise.all([BIG, MID, SMALL].map((hosts) => startsOf(hosts, since)));
    const busy = (starts: number[], t: number): boolean => starts.some((s) => s <= t && t < s + SLEEP_MS);
    for (const t of all) expect(pools.filter((starts) => busy(starts, t)).length).toBeLessThanOrEqual(2);
    expect(report.hosts.find((h) => h.host === 'mw08')?.pool).toBe('mid');
    expect(report.pools?.map((pool) => [pool.name, pool.hosts.length, pool.halted])).toEqual([
      ['big', 6, false],
      ['mid', 3, false],
      ['small', 1, false],
    ]);
  }, 120_000);

  it('halts a pool past pool_failure_limit while the other pools finish; aborted, exit 1', async () => {
    // Given mw07 (first of pool mid) down, quick restarts, one host of a pool at a time, no failure tolerated per pool
    for (const host of fleet.hosts) await fleet.setBehaviour(host.name, { kind: 'ok' });
    await fleet.stopHost('mw07');
    try {
      // When php-fpm is restarted with failure_limit high enough not to stop the phase
      const { exitCode, report, stderr, since } = await restart({ restart_concurrency: 3, pool_concurrency: 1, pool_failure_limit: 0, failure_limit: 5 });
      // Then mid is halted: mw08 and mw09 never restarted; big and small all did
      expect(exitCode).toBe(1);
      expect(report.status).toBe('aborted');
      expect(await startsOf(['mw08', 'mw09'], since)).toHaveLength(0);
      expect(await startsOf([...BIG, ...SMALL], since)).toHaveLength(7);
      for (const host of ['mw08', 'mw09']) {
        expect(report.hosts.find((h) => h.host === host)).toMatchObject({ outcome: 'not-started', error: 'pool mid halted: pool_failure_limit reached' });
      }
      expect(report.pools?.find((pool) => pool.name === 'mid')?.halted).toBe(true);
      expect(report.pools?.filter((pool) => pool.halted)).toHaveLength(1);
      expect(stderr).toMatch(/pool_failure_limit reached: pool mid halted/);
    } finally {
      await fleet.startHost('mw07');
    }
  }, 120_000);
});
