import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/sha256.js';
import { isRsyncServerCommand } from '../../src/transport/ssh/rsync-tunnel.js';
import { createSshTransport, type SshTransport } from '../../src/transport/ssh/ssh-transport.js';
import { HostFailure } from '../../src/transport/types.js';
import { makeTempDir } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { linkDestContract, onDisk, treeContract } from '../transport/tree-contract.js';
import { type FleetHost, type SshdFleet, sshdAvailable, startSshdFleet } from './fleet/sshd-fleet.js';

/**
 * syncTree over the ssh transport against real OpenSSH hosts: the local rsync reaches
 * `rsync --server` on the host through deploy's own SSH connection (rsync-tunnel.ts). Own
 * fleet, on this file's test network (test/helpers/test-network.ts).
 */
const available = sshdAvailable();
const never = (): AbortSignal => new AbortController().signal;

describe('isRsyncServerCommand', () => {
  it('lets through rsync --server with option words only', () => {
    expect(isRsyncServerCommand(['rsync', '--server', '-sltpre.iLsfxCIvu', '.'])).toBe(true);
    expect(isRsyncServerCommand(['rsync', '--server', '-s', '/etc/passwd'])).toBe(false);
    expect(isRsyncServerCommand(['sh', '-c', 'rm -rf /'])).toBe(false);
    expect(isRsyncServerCommand(['rsync', '--server', 3])).toBe(false);
  });
});

describe.skipIf(!available)('syncTree over SSH to real OpenSSH hosts', () => {
  let fleet: SshdFleet;
  let transport: SshTransport;
  let home: string;
  let mw01: FleetHost;
  /** The host's /srv/fleet is mw01.root on this machine. */
  const local = (remotePath: string): string => join(mw01.root, remotePath.replace(/^\/srv\/fleet/, ''));

  beforeAll(async () => {
    const net = testNetwork(TEST_NETWORK_OFFSET.syncTreeSsh);
    fleet = await startSshdFleet({ count: 2, network: net.network, port: net.port });
    mw01 = fleet.hosts[0] as FleetHost;
    home = await makeTempDir('deploy-e2e-tree-home-');
    transport = createSshTransport({
      user: 'root',
      port: net.port,
      knownHostsPath: fleet.knownHostsPath,
      sshConfigPath: fleet.sshConfigPath,
      connectTimeoutMs: 10_000,
      explicit: { user: false, port: false, keyPath: false },
      env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  });
  afterAll(async () => {
    await transport?.close();
    await fleet?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const subject = () => ({ transport, host: 'mw01', destination: (name: string) => `/srv/fleet/${name}`, ...onDisk(local) });
  treeContract(subject);
  linkDestContract(subject, (path) => local(path));

  it('uses the one SSH connection of the host for every sync', () => {
    // Given the contract's syncs to mw01 above / Then they all went over one connection
    expect(transport.connectionsOpened).toBe(1);
  });

  it('a transfer stopped half-way leaves the old tree whole; its temporary files are gone after the next sync', async () => {
    // Given mw02 in sync with a 40 MB tree, and every file of the stage then changed
    const stage = await makeTempDir('deploy-e2e-tree-stage-');
    const mw02 = fleet.hosts[1] as FleetHost;
    const names = Array.from({ length: 40 }, (_, index) => `part/${String(index).padStart(2, '0')}.bin`);
    await mkdir(join(stage, 'part'));
    const fill = async (): Promise<Map<string, string>> => {
      const sums = new Map<string, string>();
      for (const name of names) {
        const content = randomBytes(1024 * 1024);
        await writeFile(join(stage, name), content);
        sums.set(name, sha256(content));
      }
      return sums;
    };
    const old = await fill();
    const to = '/srv/fleet/stopped';
    await transport.syncTree('mw02', { source: stage, destination: to, exclude: [], delete: true, signal: never() });
    const fresh = await fill();
    const onHost = async (): Promise<Map<string, string>> => {
      const sums = new Map<string, string>();
      for (const name of names) sums.set(name, sha256(await readFile(join(mw02.root, 'stopped', name))));
      return sums;
    };
    // New files landing: in rsync's .~tmp~ folder (delay-updates), or as its .<name>.<random> temporaries
    const temporaries = async (): Promise<string[]> => {
      const part = join(mw02.root, 'stopped/part');
      // rsync removes .~tmp~ at the end of the transfer, maybe between the check and the read
      const delayed = await readdir(join(part, '.~tmp~')).catch(() => []);
      return [...delayed, ...(await readdir(part)).filter((name) => name.startsWith('.') && name !== '.~tmp~')];
    };
    // When the sync is stopped once new files have started landing on the host
    const stop = new AbortController();
    const syncing = transport.syncTree('mw02', { source: stage, destination: to, exclude: [], delete: true, signal: stop.signal });
    const outcome = syncing.then(
      () => 'finished',
      (error: unknown) => error,
    );
    const seen = new Set<string>();
    const deadline = Date.now() + 20_000;
    while (seen.size < 2 && Date.now() < deadline) {
      for (const name of await temporaries()) seen.add(name);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    stop.abort(new HostFailure('interrupted', 'stopped by the test'));
    // Then the sync rejects with the reason, and every file on the host is still the old one
    expect(await outcome).toMatchObject({ kind: 'interrupted' });
    expect(await onHost()).toEqual(old);
    // When the next sync runs to the end / Then the host has the new tree and no temporary file
    const result = await transport.syncTree('mw02', { source: stage, destination: to, exclude: [], delete: true, signal: never() });
    expect(result.changed).toHaveLength(40);
    expect(await onHost()).toEqual(fresh);
    expect(existsSync(join(mw02.root, 'stopped/part/.~tmp~'))).toBe(false);
    await rm(stage, { recursive: true, force: true });
  });

  it('fails the host as connection-lost when the host goes down mid-transfer, and leaves no rsync behind', async () => {
    // Given mw02 receiving a 40 MB tree
    const stage = await makeTempDir('deploy-e2e-tree-stage-');
    for (let index = 0; index < 40; index++) await writeFile(join(stage, `${index}.bin`), randomBytes(1024 * 1024));
    const syncing = transport.syncTree('mw02', { source: stage, destination: '/srv/fleet/dropped', exclude: [], delete: true, signal: never() });
    const outcome = syncing.then(
      () => 'finished',
      (error: unknown) => error,
    );
    const mw02 = fleet.hosts[1] as FleetHost;
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(mw02.root, 'dropped')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    // When the host goes down
    await fleet.stopHost('mw02');
    // Then the sync fails as connection-lost, and no rsync of ours is left on this machine
    expect(await outcome).toMatchObject({ kind: 'connection-lost' });
    const children = await execa('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { reject: false });
    expect(children.stdout.split('\n')).not.toContain('rsync');
    await fleet.startHost('mw02');
    await rm(stage, { recursive: true, force: true });
  });

  it('fails the host as transfer, naming the folder and the reason, when the host cannot take the tree', async () => {
    // Given a destination below a regular file on the host (missing parent folders are made; this cannot be)
    const stage = await makeTempDir('deploy-e2e-tree-stage-');
    await writeFile(join(stage, 'a.php'), '<?php\n');
    await writeFile(local('/srv/fleet/plain-file'), 'not a folder\n');
    // When it is synced / Then the host fails with a one-line transfer failure
    const failing = transport.syncTree('mw01', { source: stage, destination: '/srv/fleet/plain-file/app', exclude: [], delete: true, signal: never() });
    await expect(failing).rejects.toMatchObject({
      kind: 'transfer',
      message: expect.stringMatching(/^transfer failed: \/srv\/fleet\/plain-file\/app on mw01 .*Not a directory/),
    });
    await rm(stage, { recursive: true, force: true });
  });
});
