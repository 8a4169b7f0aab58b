/**
 * A real rsync daemon for tests (`rsync --daemon --no-detach`), serving one read-only module
 * from a folder, on a free loopback port. With `nsenterPid` it runs inside another process's
 * mount and pid namespaces (e.g. a fleet host's sshd, see fleet-host.ts): the module path is
 * then the path as seen there (such as /srv/fleet/deploy), and it dies with that host.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assertLoopback, reservePorts } from './ports.js';
import { cleanupSync, findExecutable, onProcessExit, spawnService, startTimeoutMs, waitReady, type ServiceProcess } from './service-process.js';

export interface RsyncDaemonOptions {
  /** Folder served by the module (inside the target namespace when nsenterPid is given). */
  path: string;
  /** Module name (default 'deploy'). */
  module?: string;
  /** Loopback address to listen on (default 127.0.0.1; e.g. a fleet host's own address). */
  address?: string;
  /** Port; default: a reserved free one. */
  port?: number;
  /** Run inside the mount + pid namespaces of this process (needs root and nsenter). */
  nsenterPid?: number;
  baseDir?: string;
  startTimeoutMs?: number;
}

export interface TestRsyncDaemon {
  address: string;
  port: number;
  module: string;
  /** 'rsync://127.0.0.1:<port>/deploy/' */
  url: string;
  /** Temp folder with rsyncd.conf and rsyncd.log (removed by stop). */
  dir: string;
  configPath: string;
  logPath: string;
  /** Pid of the process spawned here (nsenter in namespace mode); changes on up(). */
  readonly pid: number;
  /** Spawn-to-greeting time of the last (re)start. */
  readonly readyMs: number;
  /** The daemon's log file so far. */
  log(): Promise<string>;
  /** Stops the daemon, keeping its config and port: clients get "connection refused". */
  down(): Promise<void>;
  /** Starts it again; no-op when running. */
  up(): Promise<void>;
  outputTail(): string;
  /** Kills the daemon (and its per-connection children) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** True when `rsync` exists (and, for namespace mode, `nsenter`). */
export function rsyncAvailable(options: { nsenter?: boolean } = {}): boolean {
  if (process.platform !== 'linux' || findExecutable('rsync') === undefined) return false;
  return !options.nsenter || (findExecutable('nsenter') !== undefined && process.getuid?.() === 0);
}

export async function startRsyncDaemon(options: RsyncDaemonOptions): Promise<TestRsyncDaemon> {
  const address = options.address ?? '127.0.0.1';
  assertLoopback(address);
  const moduleName = options.module ?? 'deploy';
  if (!/^[A-Za-z0-9_.-]+$/.test(moduleName)) throw new Error(`startRsyncDaemon: bad module name ${JSON.stringify(moduleName)}`);
  const rsync = findExecutable('rsync');
  if (rsync === undefined) throw new Error('startRsyncDaemon: rsync not found (apt-get install rsync)');
  const nsenter = options.nsenterPid !== undefined ? findExecutable('nsenter') : undefined;
  if (options.nsenterPid !== undefined && nsenter === undefined) throw new Error('startRsyncDaemon: nsenter not found (util-linux)');
  // Seen from the daemon: through /proc/<pid>/root when it runs in another mount namespace.
  const seen = (p: string): string => (options.nsenterPid !== undefined ? `/proc/${options.nsenterPid}/root${p}` : p);
  assertConfValue(options.path);
  if (!path.isAbsolute(options.path) || !existsSync(seen(options.path))) {
    throw new Error(
      `startRsyncDaemon: module path ${options.path} does not exist${options.nsenterPid !== undefined ? ` in the namespace of pid ${options.nsenterPid}` : ''}`,
    );
  }

  const dir = await mkdtemp(path.join(options.baseDir ?? os.tmpdir(), 'deploy-svc-rsync-'));
  assertConfValue(dir);
  const reservation =
    options.port === undefined
      ? await reservePorts(1, { address }).catch(async (e: unknown) => {
          await rm(dir, { recursive: true, force: true });
          throw e;
        })
      : undefined;
  const port = options.port ?? reservation!.ports[0]!;
  const configPath = path.join(dir, 'rsyncd.conf');
  const logPath = path.join(dir, 'rsyncd.log');
  const label = `rsync daemon on ${address}:${port}${options.nsenterPid !== undefined ? ` (in the namespaces of pid ${options.nsenterPid})` : ''}`;
  let current: ServiceProcess | undefined;
  const release = (): void => reservation?.release();
  // If the test process exits without stop(): kill the daemon, remove its folder, free the port.
  const offExit = onProcessExit(() => cleanupSync(current, dir, release));
  const cleanup = async (): Promise<void> => {
    offExit();
    release();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (options.nsenterPid !== undefined && !existsSync(seen(dir))) {
      throw new Error(`startRsyncDaemon: ${dir} is not visible in the namespace of pid ${options.nsenterPid}; pass a baseDir it can see`);
    }
    await writeFile(configPath, rsyncdConf({ module: moduleName, path: options.path, logPath, lockPath: path.join(dir, 'rsyncd.lock') }));
  } catch (error) {
    await cleanup();
    throw error;
  }

  const daemon = [rsync, '--daemon', '--no-detach', `--config=${configPath}`, `--port=${port}`, `--address=${address}`];
  const setpriv = findExecutable('setpriv');
  // In namespace mode nsenter forks the daemon; --pdeathsig makes it die with nsenter too.
  const argv =
    options.nsenterPid === undefined
      ? daemon
      : [
          nsenter!,
          `--target=${options.nsenterPid}`,
          '--mount',
          '--pid',
          '--',
          ...(setpriv !== undefined ? [setpriv, '--pdeathsig', 'KILL', '--'] : []),
          ...daemon,
        ];
  const timeoutMs = startTimeoutMs(options.startTimeoutMs);
  let readyMs = 0;
  let stopping: Promise<void> | undefined;

  const up = async (): Promise<void> => {
    if (stopping !== undefined) throw new Error(`${label}: already stopped`);
    if (current?.alive()) return;
    const service = spawnService(argv, { cwd: dir, env: { HOME: dir }, label });
    current = service;
    try {
      readyMs = await waitReady(service, () => rsyncGreets(address, port), { label, timeoutMs, pollMs: 50 });
    } catch (error) {
      await service.stop().catch(() => undefined);
      throw new Error(`${(error as Error).message}\n${await readFile(logPath, 'utf8').catch(() => '')}`.trim());
    }
  };
  const down = async (): Promise<void> => {
    await current?.stop(2_000);
  };
  try {
    await up();
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    address,
    port,
    module: moduleName,
    url: `rsync://${address}:${port}/${moduleName}/`,
    dir,
    configPath,
    logPath,
    get pid() {
      return current?.pid ?? -1;
    },
    get readyMs() {
      return readyMs;
    },
    log: () => readFile(logPath, 'utf8').catch(() => ''),
    down,
    up,
    outputTail: () => current?.outputTail() ?? '',
    stop() {
      stopping ??= down().finally(cleanup);
      return stopping;
    },
  };
}

/** The generated rsyncd.conf: one read-only module, no chroot, files read as this user. */
export function rsyncdConf(o: { module: string; path: string; logPath: string; lockPath: string }): string {
  return [
    '# generated by test/servers/rsync-daemon.ts',
    'use chroot = no',
    `uid = ${process.getuid?.() ?? 0}`,
    `gid = ${process.getgid?.() ?? 0}`,
    'numeric ids = yes',
    'reverse lookup = no',
    `log file = ${o.logPath}`,
    `lock file = ${o.lockPath}`,
    '',
    `[${o.module}]`,
    `    path = ${o.path}`,
    '    read only = yes',
    '    list = yes',
    '',
  ].join('\n');
}

/** True when address:port answers with an rsync daemon greeting ('@RSYNCD: <version>'). */
export function rsyncGreets(address: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let got = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      got += chunk;
      if (got.includes('\n')) done(got.startsWith('@RSYNCD: '));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** rsyncd.conf values are unquoted, one per line: refuse what would change their meaning. */
function assertConfValue(value: string): void {
  if (/[\n\r\0]/.test(value) || value !== value.trim()) throw new Error(`startRsyncDaemon: path not usable in rsyncd.conf: ${JSON.stringify(value)}`);
}
