import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../src/transport/ssh/ssh-transport.js';
import { BIN, makeTempDir } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { type ClientNetns, startClientNetns } from './bastion/client-netns.js';
import { sshdAvailable, startSshdFleet, type SshdFleet } from './fleet/sshd-fleet.js';
import { writeFleetDeployConfig } from './fleet/deploy-config.js';

// Deploying through bastions (issue 10): the deploy process runs in a network namespace of its
// own, where only the first bastion (b1 = mw01) is reachable, relayed at its usual address.
// The second bastion (b2 = mw02) and the targets (mw03-mw05) are fleet hosts the deploy
// process cannot reach at all; b1 reaches b2, and b2 reaches the targets.
const available = sshdAvailable();
if (!available && process.env.CI) throw new Error('the bastion e2e test needs root, /usr/sbin/sshd and unshare (see .ci/run)');

/** This file's /24 (127.0.61.2-6:2222 by default; DEPLOY_TEST_SUBNET and DEPLOY_TEST_PORT move it). */
const NETWORK = testNetwork(TEST_NETWORK_OFFSET.bastionDeploy);
const TARGETS = ['mw03', 'mw04', 'mw05'];
const PATH = 'php/config.php';

interface Report {
  status: string;
  hosts: Array<{ host: string; phase: string; outcome: string; error?: string }>;
}

describe.skipIf(!available)('deploy through a two-hop ProxyJump to hosts it cannot reach', () => {
  let fleet: SshdFleet;
  let netns: ClientNetns;
  let project: string;
  const address = (host: string): string => fleet.hosts.find((h) => h.name === host)!.address;

  beforeAll(async () => {
    fleet = await startSshdFleet({ count: 5, network: NETWORK.network, port: NETWORK.port });
    project = await makeTempDir('deploy-bastion-');
    netns = await startClientNetns(project, [{ address: address('mw01'), port: fleet.hosts[0]!.port }]);
    await mkdir(join(project, 'stage', 'php'), { recursive: true });
    await writeFile(join(project, 'stage', PATH), '<?php return ["via" => "bastions"];\n');
    const hostBlocks = fleet.hosts.map((h, i) => `Host ${i === 0 ? 'b1' : i === 1 ? 'b2' : h.name}\n  HostName ${h.address}\n`).join('');
    const common = `Host *\n  Port ${fleet.hosts[0]!.port}\n  User root\n  IdentityFile ${fleet.clientKeyPath}\n`;
    await writeFile(join(project, 'ssh_config'), `${hostBlocks}Host ${TARGETS.join(' ')}\n  ProxyJump b1,b2\n${common}`);
    await writeFile(join(project, 'ssh_config_plain'), hostBlocks + common);
    // known_hosts naming every host by address, and one with a wrong key for each bastion.
    const lines = await Promise.all(
      fleet.hosts.map(
        async (h) =>
          `[${h.address}]:${h.port} ${(await readFile(join(fleet.dir, 'etc', h.name, 'ssh_host_ed25519_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}`,
      ),
    );
    await writeFile(join(project, 'known_hosts'), `${lines.join('\n')}\n`);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(project, 'impostor')]);
    const impostor = (await readFile(join(project, 'impostor.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    for (const [index, name] of [
      [0, 'b1'],
      [1, 'b2'],
    ] as const) {
      const wrong = lines.map((line, i) => (i === index ? `${line.split(' ')[0]} ${impostor}` : line));
      await writeFile(join(project, `known_hosts.wrong-${name}`), `${wrong.join('\n')}\n`);
    }
  }, 120_000);
  afterAll(async () => {
    await netns?.stop();
    await fleet?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  /** Run deploy inside the namespace with the base config plus overrides; the JSON report. */
  async function deploy(args: string[], config: Record<string, unknown> = {}): Promise<{ exitCode: number; report: Report; stderr: string }> {
    // The user comes from the project's ssh_config here (undefined drops a key from the JSON).
    await writeFleetDeployConfig(project, fleet, {
      targets: TARGETS,
      canaries: ['mw03'],
      ssh_user: undefined,
      php_fpm: undefined,
      ssh_known_hosts: join(project, 'known_hosts'),
      ssh_config: join(project, 'ssh_config'),
      ...config,
    });
    const [file, ...rest] = netns.wrap([process.execPath, BIN, ...args, '--json']);
    const result = await execa(file!, rest, {
      cwd: project,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: project, CI: '1', NO_COLOR: '1', XDG_STATE_HOME: join(project, 'state') },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 180_000,
    });
    expect(result.stdout, result.stderr).not.toBe('');
    return { exitCode: result.exitCode ?? -1, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  }
  const errorOf = (report: Report, host: string): string | undefined => report.hosts.find((h) => h.host === host && h.error !== undefined)?.error;

  it('cannot reach the targets directly from the deploy namespace', async () => {
    // Given ssh_proxy_jump none (no bastion) / When php-fpm is restarted
    const { exitCode, report } = await deploy(['php-fpm-restart', 'direct'], { ssh_proxy_jump: 'none' });
    // Then the canary could not be reached at all
    expect(exitCode).toBe(1);
    expect(errorOf(report, 'mw03')).toMatch(/^could not connect to mw03 \(127\.0\.\d+\.4:\d+\): connection refused/);
  }, 200_000);

  it("syncs and restarts every target through b1 then b2, every hop's key verified", async () => {
    // Given ProxyJump b1,b2 in ssh_config / When a file is synced
    const { exitCode, report, stderr } = await deploy(['sync-file', PATH, 'through', 'bastions']);
    // Then every target has the file and was restarted once
    expect(exitCode, stderr).toBe(0);
    expect(report.status).toBe('success');
    for (const host of TARGETS) {
      const root = fleet.hosts.find((h) => h.name === host)!.root;
      expect(await readFile(join(root, 'deploy', PATH), 'utf8')).toContain('bastions');
      expect((await fleet.restartLog(host)).length).toBeGreaterThanOrEqual(1);
    }
  }, 200_000);

  it('takes the route from ssh_proxy_jump too', async () => {
    // Given an ssh_config without ProxyJump, and ssh_proxy_jump b1,b2 / When php-fpm is restarted
    const { exitCode, report, stderr } = await deploy(['php-fpm-restart', 'via', 'key'], {
      ssh_config: join(project, 'ssh_config_plain'),
      ssh_proxy_jump: 'b1,b2',
    });
    // Then every target was restarted
    expect(exitCode, stderr).toBe(0);
    expect(
      report.hosts
        .filter((h) => h.outcome === 'ok')
        .map((h) => h.host)
        .sort(),
    ).toEqual(TARGETS);
  }, 200_000);

  it('fails every target behind a bastion whose key is wrong, naming that bastion', async () => {
    for (const [bastion, at] of [
      ['b2', '3'],
      ['b1', '2'],
    ] as const) {
      // Given known_hosts with an impostor's key for the bastion / When php-fpm is restarted
      const { exitCode, report } = await deploy(['php-fpm-restart', 'wrong', bastion], { ssh_known_hosts: join(project, `known_hosts.wrong-${bastion}`) });
      // Then the canary failed on that bastion's host key, and no other target was touched
      expect(exitCode).toBe(1);
      expect(errorOf(report, 'mw03')).toMatch(
        new RegExp(`via jump host ${bastion} \\(127\\.0\\.\\d+\\.${at}:\\d+\\): host key for 127\\.0\\.\\d+\\.${at}:\\d+ CHANGED`),
      );
      expect(report.hosts.filter((h) => h.outcome === 'ok')).toEqual([]);
    }
  }, 400_000);

  it('opens one connection per jump host, shared by every target behind it', async () => {
    // Given a transport in this process (which could reach the targets directly, but follows ProxyJump)
    const transport = createSshTransport({
      user: 'root',
      port: 22,
      knownHostsPath: join(project, 'known_hosts'),
      sshConfigPath: join(project, 'ssh_config'),
      connectTimeoutMs: 20_000,
      explicit: { user: false, port: false, keyPath: false },
      env: { HOME: project, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    try {
      // When a command runs on the three targets at once
      const results = await Promise.all(
        TARGETS.map((host) => transport.exec(host, ['cat', '/proc/sys/kernel/hostname'], { signal: new AbortController().signal })),
      );
      // Then three target connections went through one connection to b1 and one to b2
      expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
      expect(transport.connectionsOpened).toBe(3);
      expect(transport.jumpConnectionsOpened).toBe(2);
    } finally {
      await transport.close();
    }
  }, 200_000);
});
