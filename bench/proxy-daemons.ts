/**
 * What the proxies benchmark needs around the sshd fleet: an rsync daemon "on" a fleet host
 * (in its sshd's mount and pid namespaces, like test/servers/rsync-daemon.ts), and kernel
 * byte counters (an nftables table of our own, on the output hook) for the traffic this
 * machine sends to the fleet's sshd and the proxies' daemons send to the targets.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CHILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const RSYNC_PORT = 873;

/** Pid of the sshd whose /srv/fleet is `root` (pid 1 of its own pid namespace). */
export function fleetHostPid(root: string): number {
  const want = statSync(root);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ids =
        /^NSpid:\s*(.*)$/m
          .exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]
          ?.trim()
          .split(/\s+/) ?? [];
      if (ids.length < 2 || ids.at(-1) !== '1') continue;
      const seen = statSync(`/proc/${entry}/root/srv/fleet`);
      if (seen.dev === want.dev && seen.ino === want.ino) return Number(entry);
    } catch {
      // gone, or not a fleet host
    }
  }
  throw new Error(`no running fleet host serves ${root}`);
}

/** True when an rsync daemon lists its modules at address:873, asked from the network namespace of `pid`. */
function listsModules(pid: number, address: string): boolean {
  const result = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, '--', 'rsync', '--contimeout=2', `rsync://${address}:${RSYNC_PORT}/`], {
    stdio: 'ignore',
    env: { PATH: CHILD_PATH },
    timeout: 10_000,
  });
  return result.status === 0;
}

export interface BenchDaemon {
  stop(): void;
}

/** An rsync daemon serving `modulePath` (as the host sees it) as module `deploy` on address:873, in the host's mount, pid and network namespaces. */
export async function startDaemonOnHost(options: { hostRoot: string; address: string; modulePath: string; dir: string }): Promise<BenchDaemon> {
  await mkdir(options.dir, { recursive: true });
  const config = join(options.dir, 'rsyncd.conf');
  await writeFile(
    config,
    [
      'use chroot = no',
      'uid = 0',
      'gid = 0',
      'numeric ids = yes',
      'reverse lookup = no',
      `log file = ${join(options.dir, 'rsyncd.log')}`,
      `lock file = ${join(options.dir, 'rsyncd.lock')}`,
      '',
      '[deploy]',
      `    path = ${options.modulePath}`,
      '    read only = yes',
      '',
    ].join('\n'),
  );
  const pid = fleetHostPid(options.hostRoot);
  const child: ChildProcess = spawn(
    'nsenter',
    [
      `--target=${pid}`,
      '--mount',
      '--pid',
      '--net',
      '--',
      'setpriv',
      '--pdeathsig',
      'KILL',
      '--',
      'rsync',
      '--daemon',
      '--no-detach',
      `--config=${config}`,
      `--port=${RSYNC_PORT}`,
      `--address=${options.address}`,
    ],
    { stdio: 'ignore', env: { PATH: CHILD_PATH, HOME: options.dir } },
  );
  const stop = (): void => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null) break;
    if (listsModules(pid, options.address)) return { stop };
  }
  stop();
  throw new Error(`rsync daemon on ${options.address}:${RSYNC_PORT} never answered (exit ${child.exitCode})`);
}

/** Bytes (packets' IP length) each counter has seen so far. */
export type Counts = Record<'toSshd' | 'fromDaemons' | 'toDaemons', number>;

export interface ByteCounters {
  read(): Counts;
  remove(): void;
}

function nft(prefix: readonly string[], args: string[], input?: string): string {
  const argv = [...prefix, 'nft', ...args];
  const result = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8', env: { PATH: CHILD_PATH }, timeout: 10_000 });
  if (result.status !== 0) throw new Error(`nft ${args.join(' ')}: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

/** True when `nft` can make a table (root, nftables installed). */
export function nftAvailable(): boolean {
  return spawnSync('nft', ['--version'], { env: { PATH: CHILD_PATH }, stdio: 'ignore' }).status === 0 && process.getuid?.() === 0;
}

/**
 * A table `inet <name>` counting, on the output hook (loopback traffic passes it once), what
 * goes to the fleet's sshd port (this machine's SSH sessions: the file it sends), what the
 * proxies' daemons send (sport 873) and what goes to them. Only the fleet's /24 is counted.
 */
export function startByteCounters(name: string, network: string, sshPort: number, prefix: readonly string[] = []): ByteCounters {
  const table = `inet ${name}`;
  nft(
    prefix,
    ['-f', '-'],
    [
      `table ${table} {`,
      '  counter to_sshd {}',
      '  counter from_daemons {}',
      '  counter to_daemons {}',
      '  chain output {',
      '    type filter hook output priority 0; policy accept;',
      `    ip daddr ${network}.0/24 tcp dport ${sshPort} counter name to_sshd`,
      `    ip saddr ${network}.0/24 tcp sport ${RSYNC_PORT} counter name from_daemons`,
      `    ip daddr ${network}.0/24 tcp dport ${RSYNC_PORT} counter name to_daemons`,
      '  }',
      '}',
    ].join('\n'),
  );
  const bytes = (counter: string): number => Number(/bytes (\d+)/.exec(nft(prefix, ['list', 'counter', ...table.split(' '), counter]))?.[1] ?? Number.NaN);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    const argv = [...prefix, 'nft', 'delete', 'table', ...table.split(' ')];
    spawnSync(argv[0]!, argv.slice(1), { env: { PATH: CHILD_PATH }, stdio: 'ignore' });
    process.off('exit', remove);
  };
  process.on('exit', remove);
  return { read: () => ({ toSshd: bytes('to_sshd'), fromDaemons: bytes('from_daemons'), toDaemons: bytes('to_daemons') }), remove };
}

/** `wchar` (bytes passed to write calls) in the text of /proc/<pid>/io. */
export function wcharOf(io: string): number {
  return Number(/^wchar:\s*(\d+)/m.exec(io)?.[1] ?? Number.NaN);
}
