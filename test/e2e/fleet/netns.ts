/**
 * A network namespace made (and removed) by the test itself, with a lossy loopback: an
 * nftables table inside the namespace drops a share of the TCP packets to and from one port
 * at random (this kernel has no netem). Everything runs in the namespace through
 * `nsenter --net=/run/netns/<name>`; nothing outside it is touched. See README.md beside this file.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const CHILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NETNS_DIR = '/run/netns';
const TABLE = 'deploy_lossy';

/** Why a lossy namespace cannot be made here (not root, a tool missing, nftables refused), or undefined. */
export function lossyNetnsUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux';
  for (const tool of ['ip', 'nft', 'nsenter', 'bash', 'timeout']) {
    if (spawnSync('sh', ['-c', 'command -v "$0"', tool], { stdio: 'ignore', env: { PATH: CHILD_PATH } }).status !== 0) {
      return `needs \`${tool}\` (apt-get install iproute2 nftables util-linux bash coreutils)`;
    }
  }
  const name = uniqueName('deploy-probe');
  const made = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8', env: { PATH: CHILD_PATH }, timeout: 10_000 });
  if (made.status !== 0) return `\`ip netns add\` failed: ${(made.stderr ?? '').trim() || `exit ${made.status}`}`;
  try {
    const nft = spawnSync('nsenter', [`--net=${NETNS_DIR}/${name}`, '--', 'nft', '-f', '-'], {
      input: lossRules(2222, 20),
      encoding: 'utf8',
      env: { PATH: CHILD_PATH },
      timeout: 10_000,
    });
    if (nft.status !== 0) return `nftables refused a random-drop rule: ${(nft.stderr ?? '').trim() || `exit ${nft.status}`}`;
    return undefined;
  } finally {
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', env: { PATH: CHILD_PATH }, timeout: 10_000 });
  }
}

export interface LossyNetns {
  /** The namespace's name (for `ip netns exec <name>` by hand). */
  name: string;
  /** /run/netns/<name>, for startSshdFleet({ netns }) and nsenter. */
  path: string;
  /** `argv` prefixed so that it runs inside the namespace. */
  argv(argv: readonly string[]): string[];
  /** Drops `percent`% of the TCP packets to and from `port` at random, each way. */
  dropPackets(port: number, percent: number): Promise<void>;
  /** How many packets the drop rules have dropped so far. */
  dropped(): Promise<number>;
  /** Removes the namespace (and with it the nftables table). Idempotent. */
  remove(): Promise<void>;
}

/** Makes a fresh network namespace with `lo` up. Removed by remove(), or at the latest when this process exits. */
export async function createLossyNetns(prefix = 'deploy-lossy'): Promise<LossyNetns> {
  const name = uniqueName(prefix);
  const path = `${NETNS_DIR}/${name}`;
  await run('ip', ['netns', 'add', name]);
  let removed = false;
  const removeSync = (): void => {
    if (removed) return;
    removed = true;
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', env: { PATH: CHILD_PATH }, timeout: 10_000 });
  };
  process.on('exit', removeSync);
  const inside = (argv: readonly string[]): string[] => ['nsenter', `--net=${path}`, '--', ...argv];
  try {
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    removeSync();
    process.off('exit', removeSync);
    throw error;
  }
  return {
    name,
    path,
    argv: inside,
    async dropPackets(port, percent) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`netns: bad port ${port}`);
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`netns: bad percent ${percent}`);
      const [cmd, ...args] = inside(['nft', '-f', '-']);
      await run(cmd!, args, lossRules(port, percent));
    },
    async dropped() {
      const [cmd, ...args] = inside(['nft', 'list', 'table', 'inet', TABLE]);
      const listing = await run(cmd!, args);
      return [...listing.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    },
    async remove() {
      if (removed) return;
      removed = true;
      process.off('exit', removeSync);
      await run('ip', ['netns', 'del', name]);
    },
  };
}

/** An nftables table dropping `percent`% of the TCP packets to and from `port`, each way. */
function lossRules(port: number, percent: number): string {
  return [
    `table inet ${TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    tcp dport ${port} tcp flags & syn == 0 numgen random mod 100 < ${percent} counter drop`,
    `    tcp sport ${port} tcp flags & syn == 0 numgen random mod 100 < ${percent} counter drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: { PATH: CHILD_PATH }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(String(stdout));
      else reject(new Error(`netns: ${cmd} ${args.join(' ')} failed: ${String(stderr).trim() || error.message}`));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}
