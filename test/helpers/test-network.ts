/**
 * Where the tests that start real servers listen: loopback addresses and one TCP port, taken
 * from the environment so two suites can share one machine (see test/e2e/fleet/README.md).
 *
 *   DEPLOY_TEST_SUBNET  the first three octets of the suite's first /24, e.g. 127.0.2 (default)
 *   DEPLOY_TEST_PORT    the port every test server listens on, 2222 by default
 *
 * Each test file that starts servers owns one /24: the base's third octet plus the file's offset
 * (TEST_NETWORK_OFFSET), so with the defaults the suite uses 127.0.2.0/24 to 127.0.19.0/24 and 127.0.60-61.0/24.
 */

/** One /24 per test file that starts servers; the offset is added to the base's third octet. */
export const TEST_NETWORK_OFFSET = {
  /** test/e2e/ssh-fleet-deploy.test.ts */
  fleetDeploy: 0,
  /** test/e2e/fleet/sshd-fleet.test.ts */
  fleetHarness: 1,
  /** test/e2e/lossy-link.test.ts (inside its own network namespace) */
  lossyLink: 2,
  /** test/e2e/status-ssh.test.ts */
  statusSsh: 3,
  /** test/transport/ssh/ssh-transport.test.ts (one sshd on .50) */
  sshTransport: 4,
  /** test/e2e/sync-proxies.test.ts (rsync daemons inside the fleet's hosts) */
  syncProxies: 5,
  /** test/e2e/canary-rollback.test.ts */
  canaryRollback: 6,
  /** test/e2e/rollback-command.test.ts */
  rollbackCommand: 7,
  /** test/e2e/pools.test.ts */
  pools: 9,
  /** test/e2e/sftp-fsync.test.ts */
  sftpFsync: 10,
  /** test/servers/rsync-fleet.test.ts */
  rsyncFleet: 11,
  /** test/e2e/sync-tree-ssh.test.ts */
  syncTreeSsh: 12,
  /** test/e2e/release-switch-ssh.test.ts */
  releaseSwitchSsh: 13,
  /** test/e2e/stages.test.ts */
  stages: 14,
  /** test/e2e/pause-ssh.test.ts */
  pauseSsh: 15,
  /** test/e2e/tree-in-place.test.ts */
  treeInPlace: 16,
  /** test/e2e/tree-releases.test.ts */
  treeReleases: 17,
  /** test/e2e/ssh-openssh-conformance.test.ts (far from the others: 127.0.60 by default) */
  opensshConformance: 58,
  /** test/e2e/ssh-bastion-deploy.test.ts (127.0.61 by default) */
  bastionDeploy: 59,
} as const;

const LAST_OFFSET = Math.max(...Object.values(TEST_NETWORK_OFFSET));

export const DEFAULT_TEST_SUBNET = '127.0.2';
export const DEFAULT_TEST_PORT = 2222;

export interface TestNetwork {
  /** The file's /24 as its first three octets, e.g. '127.0.3'. */
  network: string;
  port: number;
  /** `${network}.${host}`, e.g. address(2) = '127.0.3.2'. */
  address(host: number): string;
}

/** The network and port of the test file with this offset; throws on a malformed variable. */
export function testNetwork(offset: number, env: NodeJS.ProcessEnv = process.env): TestNetwork {
  const subnet = (env.DEPLOY_TEST_SUBNET ?? '').trim() || DEFAULT_TEST_SUBNET;
  const match = /^127\.(\d{1,3})\.(\d{1,3})$/.exec(subnet);
  const second = Number(match?.[1]);
  const third = Number(match?.[2]);
  if (match === null || second > 255 || third + LAST_OFFSET > 255) {
    throw new Error(
      `DEPLOY_TEST_SUBNET must be the first three octets of a loopback /24, 127.A.B with A <= 255 and B <= ${255 - LAST_OFFSET} (the suite uses B to B+${LAST_OFFSET}); got "${subnet}"`,
    );
  }
  const portText = (env.DEPLOY_TEST_PORT ?? '').trim();
  const port = portText === '' ? DEFAULT_TEST_PORT : Number(portText);
  if (!/^\d+$/.test(portText || '0') || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`DEPLOY_TEST_PORT must be a TCP port (1-65535); got "${portText}"`);
  }
  const network = `127.${second}.${third + offset}`;
  return { network, port, address: (host) => `${network}.${host}` };
}
