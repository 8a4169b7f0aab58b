import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { execa } from 'execa';
import { BIN, runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

// In CI the suite must really run against sshd: a skip there would hide a missing install.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');

const HOSTS = 12;
const PATH = 'php/payload.bin';

interface Report {
  status: string;
  exitCode: number;
  phases: Array<{ name: string; ok: number; warning: number; failed: number; skipped: number; notStarted: number }>;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string; exitCode?: number; stdout?: string }>;
}

describe.skipIf(!available)('deploy over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;
  let payload: Buffer;
  const names = () => fleet.hosts.map((host) => host.name);
  const deployed = (host: string) => join(fleet.hosts.find((h) => h.name === host)?.root ?? '', 'deploy', PATH);

  beforeAll(async () => {
    // This file's loopback /24 and port (DEPLOY_TEST_SUBNET, DEPLOY_TEST_PORT; default 127.0.2.x:2222).
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.fleetDeploy);
    fleet = await startSshdFleet({ count: HOSTS, network, port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    payload = Buffer.alloc(1024 * 1024, 'deploy!\n');
    await writeFile(join(project, 'stage', PATH), payload, { mode: 0o640 });
  });
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });
  beforeEach(async () => {
    for (const host of fleet.hosts) {
      await fleet.setBehaviour(host.name, { kind: 'ok' });
      await rm(join(host.root, 'deploy'), { recursive: true, force: true });
      await mkdir(join(host.root, 'deploy'));
    }
  });

  /** Run a command against the fleet with the base config plus overrides, as JSON. */
  async function writeConfig(config: Record<string, unknown>): Promise<void> {
    await writeFleetDeployConfig(project, fleet, {
      targets: names(),
      canaries: ['mw01', 'mw02'],
      ssh_connect_timeout: 5,
      restart_concurrency: 4,
      failure_limit: 3,
      ...config,
    });
  }

  async function deploy(args: string[], config: Record<string, unknown> = {}): Promise<{ exitCode: number; report: Report; stderr: string }> {
    await writeConfig(config);
    // Generous: the machine is shared, and a loaded one makes 12 SSH handshakes slow.
    const result = await runCli([...args, '--json'], { cwd: project, timeoutMs: 50_000 });
    expect(result.stdout, result.stderr).not.toBe('');
    return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  }
  const outcome = (report: Report, host: string, phase: string) => report.hosts.find((h) => h.host === host && h.phase === phase)?.outcome;

  it('syncs a file canaries first, checks them, warns on a non-zero restart, and every host ends with the same file', async () => {
    // Given a host whose restart exits 1 with output, and a canary check that sees the canaries' file
    await fleet.setBehaviour('mw07', { kind: 'exit', code: 1, stdout: 'opcache full\n', stderr: 'pybal: depool timed out\n' });
    const mw01 = fleet.hosts[0]?.root ?? '';
    // When the file is synced
    const { exitCode, report, stderr } = await deploy(['sync-file', PATH, 'e2e', 'sync'], {
      canary_checks: [`cmp ${join(mw01, 'deploy', PATH)} stage/${PATH}`],
    });
    // Then the run finished with warnings, exit 0
    expect(exitCode).toBe(0);
    expect(report.status).toBe('warnings');
    expect(report.phases.map((p) => p.name)).toEqual(['sync-canaries', 'restart-canaries', 'check-canaries', 'sync-hosts', 'restart-hosts']);
    expect(stderr).toContain(`${fleet.restartScript} php7.4-fpm 100 on mw07 returned [1]:\n    opcache full\n    pybal: depool timed out`);
    // And every host has exactly the staged bytes, with the staged mode
    for (const host of names()) expect((await readFile(deployed(host))).equals(payload)).toBe(true);
    // And both canaries were restarted before any other host, each host once, with the exact arguments
    const logs = await Promise.all(names().map((host) => fleet.restartLog(host)));
    for (const log of logs) expect(log.map((entry) => entry.args)).toEqual([['php7.4-fpm', '100']]);
    const canariesDone = Math.max(logs[0]?.[0]?.at ?? Infinity, logs[1]?.[0]?.at ?? Infinity);
    for (const log of logs.slice(2)) expect(log[0]?.at).toBeGreaterThanOrEqual(canariesDone);
  });

  it('skips the upload on hosts that already have the same content', async () => {
    // Given a first sync / When the same file is synced again
    await deploy(['sync-file', PATH], { php_fpm_restart_script: '' });
    const { exitCode, stderr } = await deploy(['sync-file', PATH], { php_fpm_restart_script: '' });
    // Then nothing was written and the counts say so
    expect(exitCode).toBe(0);
    expect(stderr).toMatch(/Finished sync-hosts \(duration: 00m \d\ds\): 10 already up to date/);
  });

  it('kills a host whose restart hangs at restart_timeout, and its remote process is gone', async () => {
    // Given mw05 hangs in its restart
    await fleet.setBehaviour('mw05', { kind: 'hang' });
    // When php-fpm is restarted with a 5 s timeout
    const { exitCode, report } = await deploy(['php-fpm-restart', 'hang'], { restart_timeout: 5 });
    // Then mw05 failed as timed out, the others ran, and nothing of the restart is left on mw05
    expect(exitCode).toBe(1);
    expect(report.hosts.find((h) => h.host === 'mw05')).toMatchObject({ outcome: 'failed', error: 'timed out after 5s' });
    expect(report.hosts.filter((h) => h.outcome !== 'ok')).toEqual([expect.objectContaining({ host: 'mw05' })]);
    expect(await fleet.isRestartRunning('mw05')).toBe(false);
  });

  it('stops a silent host with the stall watchdog and leaves a slow host that talks alone', async () => {
    // Given mw03 prints nothing for 8 s, and mw04 prints a line every 200 ms for 2.5 s
    await fleet.setBehaviour('mw03', { kind: 'silent', ms: 8000 });
    await fleet.setBehaviour('mw04', { kind: 'talk', everyMs: 200, totalMs: 2500 });
    // When php-fpm is restarted with a 2 s stall limit (ten times the talker's interval: room for a loaded machine)
    const { report } = await deploy(['php-fpm-restart'], { restart_stall_timeout: 2 });
    // Then mw03 failed as stalled and its process is gone, mw04 finished ok
    expect(report.hosts.find((h) => h.host === 'mw03')).toMatchObject({ outcome: 'failed', error: 'stalled: no output for 2s' });
    expect(report.hosts.find((h) => h.host === 'mw04')).toMatchObject({ outcome: 'ok' });
    expect(await fleet.isRestartRunning('mw03')).toBe(false);
  });

  it('fails only the host whose connection drops mid-command', async () => {
    // Given mw09 drops its SSH connection during the restart
    await fleet.setBehaviour('mw09', { kind: 'drop', afterMs: 200 });
    // When php-fpm is restarted
    const { exitCode, report } = await deploy(['php-fpm-restart']);
    // Then mw09 failed with the connection lost and every other host is ok
    expect(exitCode).toBe(1);
    const mw09 = report.hosts.find((h) => h.host === 'mw09');
    expect(mw09?.outcome).toBe('failed');
    expect(mw09?.error).toMatch(/connection/i);
    expect(report.hosts.filter((h) => h.host !== 'mw09').every((h) => h.outcome === 'ok')).toBe(true);
  });

  it('leaves every other host untouched when a canary check fails', async () => {
    // Given a canary check that fails, and canary_failure_action abort
    const restartsBefore = await Promise.all(names().map((host) => fleet.restartLog(host)));
    // When a file is synced
    const { exitCode, report } = await deploy(['sync-file', PATH], { canary_checks: ['echo "5xx rate too high" >&2; exit 1'], canary_failure_action: 'abort' });
    // Then the run aborted with exit 1, and no non-canary host got the file or a restart
    expect(exitCode).toBe(1);
    expect(report.status).toBe('aborted');
    for (const host of names().slice(2)) {
      expect(existsSync(deployed(host))).toBe(false);
      expect(outcome(report, host, 'sync-hosts')).toBe('not-started');
    }
    const restartsAfter = await Promise.all(names().map((host) => fleet.restartLog(host)));
    expect(restartsAfter.slice(2).map((log) => log.length)).toEqual(restartsBefore.slice(2).map((log) => log.length));
    expect(restartsAfter.slice(0, 2).map((log) => log.length)).toEqual(restartsBefore.slice(0, 2).map((log) => log.length + 1));
  });

  it('stops the rollout at failure_limit', async () => {
    // Given four hosts whose restart hangs, one at a time, and one failure tolerated
    for (const host of ['mw03', 'mw04', 'mw05', 'mw06']) await fleet.setBehaviour(host, { kind: 'hang' });
    // When php-fpm is restarted
    const { exitCode, report } = await deploy(['php-fpm-restart'], { restart_concurrency: 1, restart_timeout: 4, failure_limit: 1 });
    // Then the second failure stopped it: no host after mw04 was started
    expect(exitCode).toBe(1);
    expect(report.status).toBe('aborted');
    expect(['mw03', 'mw04'].map((h) => outcome(report, h, 'restart-hosts'))).toEqual(['failed', 'failed']);
    for (const host of names().slice(4)) expect(outcome(report, host, 'restart-hosts')).toBe('not-started');
  });

  it('fails a host with no sshd while the others succeed', async () => {
    // Given mw11 is down
    await fleet.stopHost('mw11');
    try {
      // When a file is synced
      const { exitCode, report } = await deploy(['sync-file', PATH]);
      // Then only mw11 failed (could not connect), was not restarted, and every other host has the file
      expect(exitCode).toBe(1);
      expect(report.status).toBe('failed');
      expect(report.hosts.find((h) => h.host === 'mw11' && h.phase === 'sync-hosts')?.error).toMatch(/could not connect.*refused/);
      expect(outcome(report, 'mw11', 'restart-hosts')).toBe('skipped');
      for (const host of names().filter((h) => h !== 'mw11')) expect(existsSync(deployed(host))).toBe(true);
    } finally {
      await fleet.startHost('mw11');
    }
  });

  /** Start the CLI on the fleet without waiting for it (write the config first). */
  function startDeploy(args: string[]) {
    return execa('node', [BIN, ...args, '--json'], { cwd: project, env: { CI: '1', NO_COLOR: '1' }, reject: false, stdin: 'ignore' });
  }
  async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const restartsStarted = async () => (await Promise.all(names().map((host) => fleet.restartLog(host)))).reduce((sum, log) => sum + log.length, 0);

  it('on Ctrl-C starts no new host, lets the hosts in flight finish, exits 130 and releases the lock', async () => {
    // Given restarts of 1.5 s, three at a time, no canaries
    for (const host of names()) await fleet.setBehaviour(host, { kind: 'ok', sleepMs: 1500 });
    const before = await restartsStarted();
    await writeConfig({ canaries: [], restart_concurrency: 3 });
    const child = startDeploy(['php-fpm-restart']);
    // When SIGINT arrives once three restarts are running
    await waitFor(async () => (await restartsStarted()) - before >= 3, 'three restarts to start');
    child.kill('SIGINT');
    const result = await child;
    // Then the three finished ok, nobody else started, the exit is 130 and the lock is gone
    expect(result.exitCode).toBe(130);
    const report = JSON.parse(String(result.stdout)) as Report;
    expect(report.status).toBe('interrupted');
    expect(report.hosts.map((h) => h.outcome)).toEqual([...Array(3).fill('ok'), ...Array(HOSTS - 3).fill('not-started')]);
    expect((await restartsStarted()) - before).toBe(3);
    expect(existsSync(join(project, 'deploy.lock'))).toBe(false);
    expect(String(result.stderr)).toMatch(/SIGINT received: no new host will start/);
  });

  it('on a second Ctrl-C stops the hosts in flight, and their remote processes are gone', async () => {
    // Given restarts that hang, two at a time
    for (const host of names()) await fleet.setBehaviour(host, { kind: 'hang' });
    await writeConfig({ canaries: [], restart_concurrency: 2 });
    const child = startDeploy(['php-fpm-restart']);
    await waitFor(async () => (await fleet.isRestartRunning('mw01')) && (await fleet.isRestartRunning('mw02')), 'two hung restarts');
    // When SIGINT arrives twice
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGINT');
    const result = await child;
    // Then both in-flight hosts were stopped and nothing of their restart is left
    expect(result.exitCode).toBe(130);
    const report = JSON.parse(String(result.stdout)) as Report;
    expect(report.hosts.slice(0, 2).map((h) => [h.outcome, h.error])).toEqual([
      ['failed', 'stopped by a second interrupt'],
      ['failed', 'stopped by a second interrupt'],
    ]);
    expect(await fleet.isRestartRunning('mw01')).toBe(false);
    expect(await fleet.isRestartRunning('mw02')).toBe(false);
    expect(existsSync(join(project, 'deploy.lock'))).toBe(false);
  });

  it('connects to a host that comes back on a retry', async () => {
    // Given mw10 is down
    await fleet.stopHost('mw10');
    await writeConfig({ targets: ['mw10'], canaries: [], ssh_connect_retries: 4 });
    // When php-fpm is restarted with retries allowed, and mw10 comes back after the first failed attempt
    const child = startDeploy(['php-fpm-restart']);
    let stderr = '';
    let restarted = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!restarted && /retrying/.test(stderr)) {
        restarted = true;
        void fleet.startHost('mw10');
      }
    });
    const result = await child;
    // Then mw10 was restarted after a retry that was shown
    expect(stderr).toMatch(/mw10: could not connect .*; retrying \(attempt 2\)/);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(String(result.stdout)) as Report;
    expect(outcome(report, 'mw10', 'restart-hosts')).toBe('ok');
  });

  it('refuses a host whose key changed, and leaves it untouched', async () => {
    // Given mw12's host key changed since known_hosts was written
    await fleet.changeHostKey('mw12');
    const restartsBefore = (await fleet.restartLog('mw12')).length;
    // When a file is synced
    const { report } = await deploy(['sync-file', PATH]);
    // Then mw12 failed on its host key with a hint, got no file and no restart; the others are done
    const mw12 = report.hosts.find((h) => h.host === 'mw12' && h.phase === 'sync-hosts');
    expect(mw12?.outcome).toBe('failed');
    expect(mw12?.error).toMatch(/host key .*CHANGED/);
    expect(existsSync(deployed('mw12'))).toBe(false);
    expect((await fleet.restartLog('mw12')).length).toBe(restartsBefore);
    expect(report.hosts.filter((h) => h.host !== 'mw12').every((h) => h.outcome === 'ok')).toBe(true);
  });
});
