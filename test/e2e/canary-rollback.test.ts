import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';
import { BIN, runCli } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';

// In CI the suite must really run against sshd: a skip there would hide a missing install.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the end-to-end suite needs root, /usr/sbin/sshd and unshare (see .ci/run)');
const scriptAvailable = existsSync('/usr/bin/script');

const PATH = 'php/payload.bin';
const ALWAYS = '9223372036854775807';
/** Every byte value: a rollback that is not byte-exact shows. */
const OLD = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 7) % 256));
const FAILING_CHECK = 'echo "5xx rate 12% above the bound" >&2; exit 1';

interface Report {
  status: string;
  exitCode: number;
  phases: Array<{ name: string; ok: number; failed: number; skipped: number; notStarted: number }>;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string }>;
}

describe.skipIf(!available)('failed canary checks over SSH to a real OpenSSH fleet', () => {
  let fleet: SshdFleet;
  let project: string;
  let payload: Buffer;
  const root = (host: string) => fleet.hosts.find((h) => h.name === host)?.root ?? '';
  const deployed = (host: string) => join(root(host), 'deploy', PATH);
  const restarts = async () => Object.fromEntries(await Promise.all(fleet.hosts.map(async (host) => [host.name, await fleet.restartLog(host.name)] as const)));

  beforeAll(async () => {
    // This file's loopback /24 and port (DEPLOY_TEST_SUBNET, DEPLOY_TEST_PORT).
    const { network, port } = testNetwork(TEST_NETWORK_OFFSET.canaryRollback);
    fleet = await startSshdFleet({ count: 4, network, port });
    project = await mkdtemp(join(tmpdir(), 'deploy-e2e-canary-rollback-'));
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    payload = Buffer.alloc(256 * 1024, 'new code\n');
    await writeFile(join(project, 'stage', PATH), payload, { mode: 0o644 });
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // Given mw01 (canary) and mw03 with an old file (mode 640), mw02 (canary) and mw04 with none
    for (const host of fleet.hosts) {
      await fleet.setBehaviour(host.name, { kind: 'ok' });
      await rm(join(host.root, 'deploy'), { recursive: true, force: true });
      await mkdir(join(host.root, 'deploy', 'php'), { recursive: true });
    }
    for (const host of ['mw01', 'mw03']) await writeFile(deployed(host), OLD, { mode: 0o640 });
  });

  async function writeConfig(config: Record<string, unknown>): Promise<void> {
    await writeFleetDeployConfig(project, fleet, { canaries: ['mw01', 'mw02'], ssh_connect_retries: 1, canary_checks: [FAILING_CHECK], ...config });
  }

  /** What each host ran since `before`: the thresholds its restarts were given. */
  const newRestarts = (before: Awaited<ReturnType<typeof restarts>>, after: Awaited<ReturnType<typeof restarts>>) =>
    Object.fromEntries(Object.entries(after).map(([host, log]) => [host, log.slice(before[host]?.length ?? 0).map((entry) => entry.args.at(-1))]));

  it('rolls the canaries back byte-exact (no file where there was none), restarts them again with the always threshold, touches no other host', async () => {
    await writeConfig({});
    const before = await restarts();
    // When the file is synced and the check fails
    const result = await runCli(['sync-file', PATH, 'e2e rollback', '--json'], { cwd: project, timeoutMs: 120_000 });
    // Then the run is rolled-back, exit 1
    expect(result.exitCode, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.status).toBe('rolled-back');
    expect(report.phases.map((phase) => phase.name)).toEqual([
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'rollback-sync',
      'rollback-restart',
      'sync-hosts',
      'restart-hosts',
    ]);
    // And mw01 has its old bytes and mode back; mw02 has no file, and no temporary file is left
    expect((await readFile(deployed('mw01'))).equals(OLD)).toBe(true);
    expect((await stat(deployed('mw01'))).mode & 0o7777).toBe(0o640);
    expect(existsSync(deployed('mw02'))).toBe(false);
    expect(await readdir(join(root('mw02'), 'deploy', 'php'))).toEqual([]);
    // And each canary was restarted twice (the configured threshold, then the always threshold); the others not at all
    expect(newRestarts(before, await restarts())).toEqual({ mw01: ['100', ALWAYS], mw02: ['100', ALWAYS], mw03: [], mw04: [] });
    // And the other hosts' files are as they were
    expect((await readFile(deployed('mw03'))).equals(OLD)).toBe(true);
    expect(existsSync(deployed('mw04'))).toBe(false);
    expect(result.stderr).toMatch(/Rolled back php\/payload.bin on 2 hosts: canary checks failed \(duration: \d\dm \d\ds\)\n$/);
  }, 150_000);

  it('with canary_failure_action abort, the canaries keep the new file and the last line names them', async () => {
    await writeConfig({ canary_failure_action: 'abort' });
    const before = await restarts();
    // When the file is synced and the check fails
    const result = await runCli(['sync-file', PATH, 'e2e abort'], { cwd: project, timeoutMs: 120_000 });
    // Then the canaries have the new file, restarted once, and no other host was touched
    expect(result.exitCode, result.stdout).toBe(1);
    for (const host of ['mw01', 'mw02']) expect((await readFile(deployed(host))).equals(payload)).toBe(true);
    expect(newRestarts(before, await restarts())).toEqual({ mw01: ['100'], mw02: ['100'], mw03: [], mw04: [] });
    expect((await readFile(deployed('mw03'))).equals(OLD)).toBe(true);
    expect(result.stdout).toMatch(
      /Aborted sync-file php\/payload.bin: canary checks failed; mw01, mw02 keep the new php\/payload.bin \(not rolled back\) \(duration: \d\dm \d\ds\)\n$/,
    );
  }, 150_000);

  /**
   * Run the CLI on a pseudo-terminal (util-linux `script`), not in CI, and type `answer` (keys) once
   * the question shows. Returns the exit status and what the terminal showed.
   */
  async function onTerminal(answer: string): Promise<{ exitCode: number; screen: string }> {
    const command = `${process.execPath} ${BIN} sync-file ${PATH} e2e terminal`;
    const child = execa('script', ['-qefc', command, '/dev/null'], {
      cwd: project,
      env: { ...process.env, CI: undefined, NO_COLOR: '1', XDG_STATE_HOME: join(tmpdir(), 'deploy-test-state') },
      stdin: 'pipe',
      reject: false,
      timeout: 120_000,
    });
    let screen = '';
    let answered = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (!answered && screen.includes('e[x]it without rollback')) {
        answered = true;
        child.stdin?.write(answer);
      }
    });
    const result = await child;
    child.stdin?.end();
    return { exitCode: result.exitCode ?? -1, screen };
  }

  it.skipIf(!scriptAvailable)(
    'on a terminal, asks; "b" rolls back',
    async () => {
      await writeConfig({ canary_failure_action: 'abort' });
      // When the checks fail on a terminal and the deployer answers b (the configured action is abort)
      const { exitCode, screen } = await onTerminal('b\n');
      // Then the question was asked with abort as the default, and the canaries were rolled back
      expect(screen).toContain('Canary checks failed: [r]etry checks, [i]gnore and continue, roll [b]ack, e[x]it without rollback (default: x)');
      expect(exitCode, screen).toBe(1);
      expect(screen).toMatch(/Rolled back php\/payload.bin on 2 hosts: canary checks failed/);
      expect((await readFile(deployed('mw01'))).equals(OLD)).toBe(true);
      expect(existsSync(deployed('mw02'))).toBe(false);
    },
    150_000,
  );

  it.skipIf(!scriptAvailable)(
    'on a terminal, asks; "x" exits without rollback',
    async () => {
      await writeConfig({});
      // When the checks fail on a terminal and the deployer answers x (the configured action is rollback)
      const { exitCode, screen } = await onTerminal('x\n');
      // Then the question offered rollback as the default, and the canaries keep the new file
      expect(screen).toContain('e[x]it without rollback (default: b)');
      expect(exitCode, screen).toBe(1);
      expect(screen).toMatch(/Aborted sync-file php\/payload.bin: canary checks failed; mw01, mw02 keep the new/);
      for (const host of ['mw01', 'mw02']) expect((await readFile(deployed(host))).equals(payload)).toBe(true);
      expect((await readFile(deployed('mw03'))).equals(OLD)).toBe(true);
    },
    150_000,
  );

  it.skipIf(!scriptAvailable)(
    'on a terminal, Ctrl-C during the question interrupts the run: exit 130, no rollback',
    async () => {
      await writeConfig({});
      // When the checks fail on a terminal and the deployer presses Ctrl-C at the question
      const { exitCode, screen } = await onTerminal('\x03');
      // Then the run is interrupted as usual, and the canaries keep the new file
      expect(exitCode, screen).toBe(130);
      expect(screen).toMatch(/SIGINT received/);
      expect(screen).toMatch(/Interrupted sync-file php\/payload.bin/);
      for (const host of ['mw01', 'mw02']) expect((await readFile(deployed(host))).equals(payload)).toBe(true);
      expect((await readFile(deployed('mw03'))).equals(OLD)).toBe(true);
    },
    150_000,
  );
});
