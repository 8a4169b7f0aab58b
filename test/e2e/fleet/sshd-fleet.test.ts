import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_NETWORK_OFFSET, testNetwork } from '../../helpers/test-network.js';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './sshd-fleet.js';

interface Run {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The system ssh client, host key checking on, exactly as a person would type it. */
function ssh(fleet: SshdFleet, host: string, command: string, timeoutMs = 15_000): Promise<Run> {
  const args = [
    '-F',
    fleet.sshConfigPath,
    '-o',
    `UserKnownHostsFile=${fleet.knownHostsPath}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    host,
    command,
  ];
  return runSsh(args, timeoutMs);
}

function runSsh(args: string[], timeoutMs = 15_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function tcpError(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

interface Started {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, names this very process (pids are reused). */
  startTime: string;
  cmdline: string;
}

/** What this test knows of a process the fleet started, or undefined once it is gone. */
function describeProcess(pid: number): Started | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, startTime: fields[19] ?? '', cmdline };
  } catch {
    return undefined;
  }
}

/** True while that same process (same pid, same start time) is alive and not a zombie. */
function stillAlive(started: Started): boolean {
  return describeProcess(started.pid)?.startTime === started.startTime;
}

// This file's loopback /24 and port: see test/helpers/test-network.ts (DEPLOY_TEST_SUBNET, DEPLOY_TEST_PORT).
const { network, port: PORT, address } = testNetwork(TEST_NETWORK_OFFSET.fleetHarness);

describe.skipIf(!sshdAvailable())('sshd fleet harness', () => {
  let fleet: SshdFleet;

  beforeAll(async () => {
    fleet = await startSshdFleet({ count: 3, network, port: PORT });
  }, 20_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts hosts mw01..mw03 on <network>.2.. with one root each', () => {
    // Given a 3-host fleet (beforeAll)
    // Then the hosts are named, addressed and rooted as the contract says
    expect(fleet.hosts.map((h) => [h.name, h.address, h.port])).toEqual([
      ['mw01', address(2), PORT],
      ['mw02', address(3), PORT],
      ['mw03', address(4), PORT],
    ]);
    expect(fleet.user).toBe('root');
    expect(fleet.restartScript).toBe('/srv/fleet/bin/restart-php-fpm');
    expect(fleet.deployDir).toBe('/srv/fleet/deploy');
    for (const h of fleet.hosts) {
      expect(existsSync(path.join(h.root, 'deploy'))).toBe(true);
      expect(existsSync(path.join(h.root, 'bin', 'restart-php-fpm'))).toBe(true);
    }
    // And the ssh_config has one block per host
    const config = readFileSync(fleet.sshConfigPath, 'utf8');
    expect(config).toContain(`Host mw02\n  HostName ${address(3)}\n  Port ${PORT}\n  User root\n  IdentityFile ${fleet.clientKeyPath}`);
  });

  it('reaches every host with strict host key checking, through hashed and plain known_hosts entries', async () => {
    // Given known_hosts with mw01 and mw03 hashed and mw02 plain
    const lines = readFileSync(fleet.knownHostsPath, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    expect(lines[1]?.startsWith(`[${address(3)}]:${PORT} ssh-ed25519 `)).toBe(true);
    expect(lines[2]).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);

    // When each host runs a command over ssh with StrictHostKeyChecking=yes
    const runs = await Promise.all(fleet.hosts.map((h) => ssh(fleet, h.name, 'echo hi; id -u')));

    // Then every host answers
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r).toMatchObject({ code: 0, stdout: 'hi\n0\n' });
    }
    // And the sshArgs helper reaches a host the same way
    expect(await runSsh([...fleet.sshArgs('mw03'), 'echo via-helper'])).toMatchObject({ code: 0, stdout: 'via-helper\n' });
  });

  it('gives each host its own /srv/fleet', async () => {
    // When mw01 writes a file under /srv/fleet/deploy
    const write = await ssh(fleet, 'mw01', 'echo hi > /srv/fleet/deploy/x');
    expect(write.code).toBe(0);

    // Then it is in mw01's root only
    const [mw01, mw02, mw03] = fleet.hosts;
    expect(readFileSync(path.join(mw01!.root, 'deploy', 'x'), 'utf8')).toBe('hi\n');
    expect(existsSync(path.join(mw02!.root, 'deploy', 'x'))).toBe(false);
    expect(existsSync(path.join(mw03!.root, 'deploy', 'x'))).toBe(false);
    expect(existsSync('/srv/fleet/deploy/x')).toBe(false);
    // And mw02 does not see it
    expect((await ssh(fleet, 'mw02', 'test -e /srv/fleet/deploy/x')).code).toBe(1);
  });

  it('logs every call of the fake restart script and honours ok and exit', async () => {
    // Given mw02 set to fail with status 3 and some output, mw03 left at the default (ok)
    await fleet.setBehaviour('mw02', { kind: 'exit', code: 3, stdout: 'restarting\n', stderr: 'pool www failed\n' });
    const before = Date.now();

    // When the script runs on both
    const failed = await ssh(fleet, 'mw02', `${fleet.restartScript} php8.2-fpm 5 --force`);
    const ok = await ssh(fleet, 'mw03', `${fleet.restartScript} 5`);

    // Then mw02 exits 3 with its output, mw03 exits 0 silently
    expect(failed).toMatchObject({ code: 3, stdout: 'restarting\n', stderr: 'pool www failed\n' });
    expect(ok).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // And each host's log has its call, with the arguments and the time
    const log2 = await fleet.restartLog('mw02');
    expect(log2.map((e) => e.args)).toEqual([['php8.2-fpm', '5', '--force']]);
    expect(log2[0]!.at).toBeGreaterThanOrEqual(before - 1_000);
    expect(log2[0]!.at).toBeLessThanOrEqual(Date.now());
    expect((await fleet.restartLog('mw03')).map((e) => e.args)).toEqual([['5']]);
    expect(await fleet.restartLog('mw01')).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(fleet.hosts[1]!.root, 'behaviour.json'), 'utf8'))).toMatchObject({ kind: 'exit', code: 3 });
  });

  it('honours talk, silent, ok with sleep and drop', async () => {
    // Given one behaviour per host
    await fleet.setBehaviour('mw01', { kind: 'talk', everyMs: 100, totalMs: 300 });
    await fleet.setBehaviour('mw02', { kind: 'silent', ms: 300 });
    await fleet.setBehaviour('mw03', { kind: 'ok', sleepMs: 300, stdout: "it's done\n" });

    // When the script runs on each
    const [talk, silent, slowOk] = await Promise.all([
      ssh(fleet, 'mw01', `${fleet.restartScript} 5`),
      ssh(fleet, 'mw02', `${fleet.restartScript} 5`),
      ssh(fleet, 'mw03', `${fleet.restartScript} 5`),
    ]);

    // Then each behaves as set
    expect(talk.code).toBe(0);
    expect(talk.stdout.trim().split('\n')).toHaveLength(3);
    expect(silent).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(silent.ms).toBeGreaterThanOrEqual(300);
    expect(slowOk).toMatchObject({ code: 0, stdout: "it's done\n" });
    expect(slowOk.ms).toBeGreaterThanOrEqual(300);

    // When mw03 is set to drop its connection
    await fleet.setBehaviour('mw03', { kind: 'drop' });
    const dropped = await ssh(fleet, 'mw03', `${fleet.restartScript} 5; echo after`);

    // Then the ssh client loses the connection (status 255) and the command never finishes
    expect(dropped.code).toBe(255);
    expect(dropped.stdout).toBe('');
    expect(dropped.stderr).toMatch(/closed by remote host|Connection reset|broken pipe|closed/i);
    // And the host still accepts new connections
    await fleet.setBehaviour('mw03', { kind: 'ok' });
    expect((await ssh(fleet, 'mw03', 'echo still-up')).stdout).toBe('still-up\n');
  });

  it('reports a hanging restart as running until it is killed', async () => {
    // Given mw01 set to hang, and no restart running
    await fleet.setBehaviour('mw01', { kind: 'hang' });
    expect(await fleet.isRestartRunning('mw01')).toBe(false);

    // When the script is started over ssh (the client waits forever)
    const client = ssh(fleet, 'mw01', `${fleet.restartScript} 5`, 20_000);

    // Then it is seen running, with its pid in /srv/fleet/restart.pid
    expect(await waitFor(() => fleet.isRestartRunning('mw01'))).toBe(true);
    expect(readFileSync(path.join(fleet.hosts[0]!.root, 'restart.pid'), 'utf8')).toMatch(/^\d+\n$/);
    expect(await fleet.isRestartRunning('mw02')).toBe(false);

    // When its process group is killed on the host
    const kill = await ssh(fleet, 'mw01', 'kill -9 -- -"$(cat /srv/fleet/restart.pid)"');
    expect(kill.code).toBe(0);

    // Then it is no longer running, and the waiting client ends
    expect(await waitFor(async () => !(await fleet.isRestartRunning('mw01')))).toBe(true);
    const ended = await client;
    expect(ended.code).not.toBe(0);

    // And killRestart stops a second hang the same way
    const again = ssh(fleet, 'mw01', `${fleet.restartScript} 6`, 20_000);
    expect(await waitFor(() => fleet.isRestartRunning('mw01'))).toBe(true);
    expect(await fleet.killRestart('mw01')).toBeGreaterThan(0);
    expect(await waitFor(async () => !(await fleet.isRestartRunning('mw01')))).toBe(true);
    await again;
    expect((await fleet.restartLog('mw01')).map((e) => e.args)).toEqual([['5'], ['5'], ['6']]);
  });

  it('refuses connections to a stopped host, and serves again after startHost', async () => {
    // Given mw03 is up
    expect((await ssh(fleet, 'mw03', 'true')).code).toBe(0);

    // When it is stopped
    await fleet.stopHost('mw03');

    // Then connections are refused, and the other hosts still answer
    expect(await tcpError(address(4), PORT)).toBe('ECONNREFUSED');
    const refused = await ssh(fleet, 'mw03', 'true');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Connection refused/);
    expect((await ssh(fleet, 'mw02', 'echo up')).stdout).toBe('up\n');

    // When it is started again, with the same host key
    await fleet.startHost('mw03');

    // Then it answers, and its files are still there
    expect((await ssh(fleet, 'mw03', `cat ${fleet.restartScript} >/dev/null && echo back`)).stdout).toBe('back\n');
  });

  it('fails strict host key checking after changeHostKey, without touching known_hosts', async () => {
    // Given known_hosts as written at start
    const knownHosts = readFileSync(fleet.knownHostsPath, 'utf8');

    // When mw02 gets a new host key
    await fleet.changeHostKey('mw02');

    // Then ssh refuses it, and known_hosts is unchanged
    const refused = await ssh(fleet, 'mw02', 'echo should-not-run');
    expect(refused.code).toBe(255);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    expect(readFileSync(fleet.knownHostsPath, 'utf8')).toBe(knownHosts);
    // And mw01 (hashed entry) still passes
    expect((await ssh(fleet, 'mw01', 'echo ok')).stdout).toBe('ok\n');
  });

  it('rejects a second fleet on the same addresses with a clear error', async () => {
    // When another fleet is started on the addresses in use
    // Then it fails before starting anything
    await expect(startSshdFleet({ count: 1, network, port: PORT })).rejects.toThrow(`${address(2)}:${PORT} already accept connections`);
  });

  it('stop() leaves no sshd and no temp dir behind, and can be called again', async () => {
    // Given a running fleet with a hanging restart on mw01
    await fleet.setBehaviour('mw01', { kind: 'hang' });
    const client = ssh(fleet, 'mw01', `${fleet.restartScript} 7`, 20_000);
    expect(await waitFor(() => fleet.isRestartRunning('mw01'))).toBe(true);
    const dir = fleet.dir;
    const ownMountNs = readlinkSync('/proc/self/ns/mnt');
    // And the processes the fleet started (only those: a stranger's sleep is none of our business)
    const started = fleet
      .processes()
      .map(describeProcess)
      .filter((p) => p !== undefined);
    expect(started.filter((p) => p.cmdline.includes(`-f ${dir}/etc/`)).length).toBe(3); // the three sshd
    expect(started.filter((p) => p.cmdline === 'sleep 100000')).toHaveLength(1); // the hanging restart

    // When it is stopped, twice
    await fleet.stop();
    await fleet.stop();

    // Then none of them is left, the dir is gone, and nothing answers
    expect(started.filter(stillAlive)).toEqual([]);
    expect(fleet.processes()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    for (const h of fleet.hosts) expect(await tcpError(h.address, h.port)).toBe('ECONNREFUSED');
    const dropped = await client;
    expect(dropped.code, `the client should see the connection drop: ${JSON.stringify(dropped)}`).toBe(255);
    // And this process was left in its own mount namespace
    expect(readlinkSync('/proc/self/ns/mnt')).toBe(ownMountNs);
  });
});
