import { readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, startSshdFleet, type SshdFleet } from '../e2e/fleet/sshd-fleet.js';
import { fleetHostPid } from './fleet-host.js';
import { pidAlive, processesMentioning } from './leftovers.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { rsyncAvailable, startRsyncDaemon } from './rsync-daemon.js';
import { runCommand } from './service-process.js';

const available = sshdAvailable() && rsyncAvailable({ nsenter: true });
if (!available && process.env.CI) throw new Error('the rsync-in-fleet test needs root, sshd, unshare, nsenter and rsync (see test/servers/ci-install.sh)');
const net = testNetwork(TEST_NETWORK_OFFSET.rsyncFleet);

describe.skipIf(!available)('rsync daemon inside a fleet host', () => {
  let fleet: SshdFleet;
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'rsync-fleet-test-'));
    fleet = await startSshdFleet({ count: 2, network: net.network, port: net.port });
  });
  afterAll(async () => {
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('serves /srv/fleet/deploy of that host (not of another), lives in its pid namespace, and dies with it', async () => {
    // Given two hosts with different files at the same path under /srv/fleet
    const [mw01, mw02] = fleet.hosts as [(typeof fleet.hosts)[0], (typeof fleet.hosts)[0]];
    await mkdir(path.join(mw01.root, 'deploy', 'php'), { recursive: true });
    await writeFile(path.join(mw01.root, 'deploy', 'php', 'x'), 'file of mw01\n');
    await mkdir(path.join(mw02.root, 'deploy', 'php'), { recursive: true });
    await writeFile(path.join(mw02.root, 'deploy', 'php', 'x'), 'file of mw02\n');
    const sshdPid = fleetHostPid(mw01);
    expect(fleetHostPid(mw02)).not.toBe(sshdPid);

    // When a daemon is started in mw01's namespaces, on mw01's address, serving /srv/fleet/deploy
    const daemon = await startRsyncDaemon({ path: '/srv/fleet/deploy', nsenterPid: sshdPid, address: mw01.address });
    console.log(`rsync daemon in mw01's namespace ready after ${daemon.readyMs} ms`);
    try {
      const fetched = await runCommand('rsync', [`rsync://${mw01.address}:${daemon.port}/deploy/php/x`, path.join(work, 'y')]);
      // Then the client gets mw01's file
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(await readFile(path.join(work, 'y'), 'utf8')).toBe('file of mw01\n');
      // And the daemon runs in mw01's pid namespace (so the host's stop takes it down)
      const daemons = processesMentioning(daemon.configPath).filter((p) => /^\S*rsync /.test(p.cmdline));
      expect(daemons).toHaveLength(1);
      expect(readlinkSync(`/proc/${daemons[0]!.pid}/ns/pid`)).toBe(readlinkSync(`/proc/${sshdPid}/ns/pid`));
      expect(readlinkSync(`/proc/${daemons[0]!.pid}/ns/mnt`)).toBe(readlinkSync(`/proc/${sshdPid}/ns/mnt`));

      // When the host is stopped
      await fleet.stopHost('mw01');
      // Then the daemon is gone with it, and its address refuses
      await expect.poll(() => pidAlive(daemons[0]!.pid), { timeout: 10_000 }).toBe(false);
      const refused = await runCommand('rsync', ['--contimeout=2', `rsync://${mw01.address}:${daemon.port}/deploy/php/x`, path.join(work, 'z')]);
      expect(refused.code).not.toBe(0);
      expect(() => fleetHostPid(mw01)).toThrow(/no running fleet host/);
    } finally {
      await daemon.stop();
    }
    // And nothing of it is left
    expect(processesMentioning(daemon.dir)).toEqual([]);
  });

  it("refuses a module path that does not exist in the host's namespace", async () => {
    // Given mw02, where /srv/fleet/nowhere does not exist (though it might on this machine)
    // When / Then
    await expect(startRsyncDaemon({ path: '/srv/fleet/nowhere', nsenterPid: fleetHostPid(fleet.hosts[1]!), address: fleet.hosts[1]!.address })).rejects.toThrow(
      /does not exist in the namespace of pid/,
    );
  });
});
