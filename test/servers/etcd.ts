/**
 * A real single-member etcd (Debian's etcd-server 3.4) for tests: its own data folder, client
 * and peer ports on loopback, ready once `etcdctl endpoint health` says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertLoopback, reservePorts } from './ports.js';
import {
  cleanupSync,
  findExecutable,
  onProcessExit,
  runCommand,
  spawnService,
  startTimeoutMs,
  waitReady,
  type RunResult,
  type ServiceProcess,
} from './service-process.js';

export interface TestEtcd {
  address: string;
  clientPort: number;
  peerPort: number;
  /** 'http://127.0.0.1:<clientPort>' */
  endpoint: string;
  /** Temp folder holding data/ (removed by stop). */
  dir: string;
  dataDir: string;
  /** Pid of the running etcd (changes on up/restart). */
  readonly pid: number;
  /** Spawn-to-healthy time of the last (re)start. */
  readonly readyMs: number;
  /** Environment for an etcdctl of one's own: ETCDCTL_API=3 and ETCDCTL_ENDPOINTS. */
  etcdctlEnv: Record<string, string>;
  /** Runs `etcdctl --endpoints <endpoint> ...args` (API v3); never rejects. */
  etcdctl(args: string[], options?: { timeoutMs?: number }): Promise<RunResult>;
  /** Stops the server (SIGTERM), keeping data and ports: clients see etcd down. */
  down(): Promise<void>;
  /** Starts it again on the same data and ports, and waits until healthy. No-op when up. */
  up(): Promise<void>;
  restart(): Promise<void>;
  /** etcd's output so far (last few KB). */
  outputTail(): string;
  /** Kills etcd and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

const ETCD = 'etcd';
const ETCDCTL = 'etcdctl';

/** True when `etcd` and `etcdctl` exist (Debian packages etcd-server and etcd-client). */
export function etcdAvailable(): boolean {
  return process.platform === 'linux' && findExecutable(ETCD) !== undefined && findExecutable(ETCDCTL) !== undefined;
}

export async function startEtcd(options: { address?: string; baseDir?: string; startTimeoutMs?: number; name?: string } = {}): Promise<TestEtcd> {
  const address = options.address ?? '127.0.0.1';
  assertLoopback(address);
  const etcd = findExecutable(ETCD);
  const etcdctlPath = findExecutable(ETCDCTL);
  if (etcd === undefined || etcdctlPath === undefined) throw new Error('startEtcd: etcd and etcdctl are needed (apt-get install etcd-server etcd-client)');
  const dir = await mkdtemp(path.join(options.baseDir ?? os.tmpdir(), 'deploy-svc-etcd-'));
  const reservation = await reservePorts(2, { address }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const [clientPort, peerPort] = reservation.ports as [number, number];
  const endpoint = `http://${address}:${clientPort}`;
  const peerUrl = `http://${address}:${peerPort}`;
  const dataDir = path.join(dir, 'data');
  const name = options.name ?? 'default';
  const label = `etcd on ${address}:${clientPort}`;
  const timeoutMs = startTimeoutMs(options.startTimeoutMs);
  const etcdctlEnv = { ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: endpoint };

  const etcdctl = (args: string[], o: { timeoutMs?: number } = {}): Promise<RunResult> =>
    runCommand(etcdctlPath, [`--endpoints=${endpoint}`, ...args], { env: { ETCDCTL_API: '3', HOME: dir }, timeoutMs: o.timeoutMs ?? 20_000 });

  const argv = [
    etcd,
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${path.basename(dir)}`,
    '--logger=zap',
    '--log-outputs=stderr',
  ];

  let current: ServiceProcess | undefined;
  let readyMs = 0;
  let stopping: Promise<void> | undefined;

  const up = async (): Promise<void> => {
    if (stopping !== undefined) throw new Error(`${label}: already stopped`);
    if (current?.alive()) return;
    // No ETCD_* variables from the test's environment: they would configure this etcd.
    const service = spawnService(argv, { cwd: dir, env: { HOME: dir }, label });
    current = service;
    try {
      readyMs = await waitReady(
        service,
        async () => (await etcdctl(['--dial-timeout=1s', '--command-timeout=2s', 'endpoint', 'health'], { timeoutMs: 5_000 })).code === 0,
        {
          label,
          timeoutMs,
          pollMs: 150,
        },
      );
    } catch (error) {
      await service.stop().catch(() => undefined);
      throw error;
    }
  };
  const down = async (): Promise<void> => {
    await current?.stop();
  };
  // If the test process exits without stop(): kill etcd, remove its folder, free the ports.
  const offExit = onProcessExit(() => cleanupSync(current, dir, reservation.release));
  const cleanup = async (): Promise<void> => {
    try {
      await down();
    } finally {
      offExit();
      reservation.release();
      await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    await up();
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    address,
    clientPort,
    peerPort,
    endpoint,
    dir,
    dataDir,
    get pid() {
      return current?.pid ?? -1;
    },
    get readyMs() {
      return readyMs;
    },
    etcdctlEnv,
    etcdctl,
    down,
    up,
    async restart() {
      await down();
      await up();
    },
    outputTail: () => current?.outputTail() ?? '',
    stop() {
      stopping ??= cleanup();
      return stopping;
    },
  };
}
