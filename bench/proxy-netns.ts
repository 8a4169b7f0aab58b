/**
 * A network namespace of the proxies benchmark's own, where "NICs" can be shaped: its loopback
 * gets an HTB qdisc limiting (1) what this machine sends to the fleet's sshd port, the deploy
 * server's NIC, and (2) what each proxy's rsync daemon sends, one class per proxy, its NIC. The
 * targets and everything else are not limited. Nothing outside the namespace is touched; it is
 * deleted at the end (and on process exit).
 */
import { spawnSync } from 'node:child_process';
import { RSYNC_PORT } from './proxy-daemons.js';

const CHILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function run(argv: string[]): void {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: CHILD_PATH }, timeout: 10_000 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr || result.error?.message || `exit ${result.status}`}`);
}

export interface BenchNetns {
  name: string;
  /** /run/netns/<name> */
  path: string;
  /** argv prefix that runs a command in the namespace. */
  exec: string[];
  remove(): void;
}

/** True when `ip` and `tc` can make a namespace and an HTB qdisc in it (root, iproute2, sch_htb). */
export function shapingAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const name = `deploy-bench-probe-${process.pid}`;
  try {
    run(['ip', 'netns', 'add', name]);
    run(['ip', 'netns', 'exec', name, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb']);
    return true;
  } catch {
    return false;
  } finally {
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', env: { PATH: CHILD_PATH } });
  }
}

/** Makes the namespace, loopback up. */
export function makeNetns(name: string): BenchNetns {
  run(['ip', 'netns', 'add', name]);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', env: { PATH: CHILD_PATH } });
    process.off('exit', remove);
  };
  process.on('exit', remove);
  try {
    run(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (error) {
    remove();
    throw error;
  }
  return { name, path: `/run/netns/${name}`, exec: ['ip', 'netns', 'exec', name], remove };
}

/**
 * Shapes the namespace's loopback: the deploy server's sends to `network`.x:`sshPort` and each
 * proxy's daemon's sends (source address, port 873) at `megabytesPerSecond` each.
 */
export function shapeNics(ns: BenchNetns, options: { network: string; sshPort: number; proxies: string[]; megabytesPerSecond: number }): void {
  const tc = (...args: string[]): void => run([...ns.exec, 'tc', ...args]);
  const rate = `${Math.round(options.megabytesPerSecond * 8)}mbit`;
  // Loopback packets reach 64 KiB: bursts of a few of them.
  const burst = ['burst', '256k', 'cburst', '256k'];
  tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '99');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:99', 'htb', 'rate', '100gbit', ...burst);
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', rate, 'ceil', rate, ...burst);
  tc(
    'filter',
    'add',
    'dev',
    'lo',
    'parent',
    '1:',
    'protocol',
    'ip',
    'prio',
    '1',
    'u32',
    'match',
    'ip',
    'dst',
    `${options.network}.0/24`,
    'match',
    'ip',
    'dport',
    String(options.sshPort),
    '0xffff',
    'flowid',
    '1:10',
  );
  options.proxies.forEach((address, i) => {
    const id = `1:${20 + i}`;
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', id, 'htb', 'rate', rate, 'ceil', rate, ...burst);
    tc(
      'filter',
      'add',
      'dev',
      'lo',
      'parent',
      '1:',
      'protocol',
      'ip',
      'prio',
      '2',
      'u32',
      'match',
      'ip',
      'src',
      `${address}/32`,
      'match',
      'ip',
      'sport',
      String(RSYNC_PORT),
      '0xffff',
      'flowid',
      id,
    );
  });
}
