import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

const available = sshdAvailable();
// The /24 after the ones TEST_NETWORK_OFFSET names (0-2): this file's own, moved with DEPLOY_TEST_SUBNET.
const net = testNetwork(TEST_NETWORK_OFFSET.statusSsh);

interface View {
  running: boolean;
  phase?: { name: string; queued: number };
  hosts?: Array<{ host: string; state: string; attempt?: number; error?: string }>;
}

describe.skipIf(!available)('deploy status over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;

  beforeAll(async () => {
    fleet = await startSshdFleet({ count: 3, network: net.network, port: net.port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-status-'));
  });
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('shows a host that is down as retrying and a slow one as running, from a second process', async () => {
    // Given mw01 restarting slowly (talking for 8 s), mw02 down (connections refused, retried), mw03 fine
    await writeFleetDeployConfig(project, fleet, { ssh_connect_retries: 6, restart_concurrency: 3, failure_limit: 3 });
    await fleet.setBehaviour('mw01', { kind: 'talk', everyMs: 200, totalMs: 8000 });
    await fleet.stopHost('mw02');
    const run = runCli(['php-fpm-restart', 'e2e status'], { cwd: project, timeoutMs: 120_000 });
    // When `deploy status --json` is asked from another process until both show up
    let view: View | undefined;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const status = await runCli(['status', '--json'], { cwd: project });
      const seen = JSON.parse(status.stdout) as View;
      const state = (host: string) => seen.hosts?.find((entry) => entry.host === host)?.state;
      if (state('mw01') === 'running' && state('mw02') === 'retrying') {
        view = seen;
        break;
      }
      await sleep(200);
    }
    await fleet.startHost('mw02');
    const finished = await run;
    // Then mw02 was retrying with its attempt and why, mw01 running, and the run went on to finish
    expect(view, finished.stdout).toBeDefined();
    expect(view?.running).toBe(true);
    expect(view?.hosts?.find((host) => host.host === 'mw02')).toMatchObject({
      state: 'retrying',
      attempt: expect.any(Number),
      error: expect.stringMatching(/mw02|refused|connect/i),
    });
    expect([0, 1]).toContain(finished.exitCode);
    const after = await runCli(['status'], { cwd: project });
    expect(after.stdout).toMatch(/^no deploy running\nlast run: /);
  });
});
