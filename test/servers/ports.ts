/**
 * Free loopback ports for test services, shared fairly between test suites on one machine.
 *
 * Ports are taken from `DEPLOY_TEST_PORT_BASE` (default 20000, below Linux's ephemeral range)
 * up to `DEPLOY_TEST_PORT_SPAN` ports (default 2000), from a random point of that range. A port is ours when (1) we create its
 * reservation file `<os.tmpdir()>/deploy-test-ports/<port>` exclusively (it holds our pid; a file
 * whose pid is dead is taken over) and (2) nothing listens on it (we can bind it ourselves).
 * The reservation is held until `release()`, so a second suite never picks a port between our
 * probe and the moment our service binds it.
 */
import { mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PortReservation {
  ports: number[];
  /** Deletes the reservation files. Idempotent. */
  release(): void;
}

export interface PortRange {
  base: number;
  span: number;
}

/** The range from DEPLOY_TEST_PORT_BASE / DEPLOY_TEST_PORT_SPAN (defaults 20000 / 2000). */
export function portRange(env: NodeJS.ProcessEnv = process.env): PortRange {
  const base = intFrom(env.DEPLOY_TEST_PORT_BASE, 20_000, 'DEPLOY_TEST_PORT_BASE');
  const span = intFrom(env.DEPLOY_TEST_PORT_SPAN, 2_000, 'DEPLOY_TEST_PORT_SPAN');
  if (base < 1024 || base + span - 1 > 65_535 || span < 1) {
    throw new Error(`test ports: DEPLOY_TEST_PORT_BASE=${base} with DEPLOY_TEST_PORT_SPAN=${span} is outside 1024..65535`);
  }
  return { base, span };
}

/** The folder holding reservation files (DEPLOY_TEST_PORT_LOCK_DIR, default <tmp>/deploy-test-ports). */
export function portLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEPLOY_TEST_PORT_LOCK_DIR || path.join(os.tmpdir(), 'deploy-test-ports');
}

/**
 * Reserves `count` ports free on `address` (default 127.0.0.1). Must be a loopback address:
 * test services never listen anywhere else.
 */
export async function reservePorts(count: number, options: { address?: string; range?: PortRange; lockDir?: string } = {}): Promise<PortReservation> {
  const address = options.address ?? '127.0.0.1';
  assertLoopback(address);
  const { base, span } = options.range ?? portRange();
  const lockDir = options.lockDir ?? portLockDir();
  mkdirSync(lockDir, { recursive: true });
  const ports: number[] = [];
  const release = (): void => {
    for (const port of ports.splice(0)) unlinkQuiet(path.join(lockDir, String(port)));
  };
  try {
    // From a random point of the range, wrapping around: a port just released (to which a
    // client may still hold a pooled keep-alive connection) is rarely handed out again at once.
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span && ports.length < count; i++) {
      const port = base + ((start + i) % span);
      const lock = path.join(lockDir, String(port));
      if (!takeLock(lock)) continue;
      if (await canBind(address, port)) {
        ports.push(port);
      } else {
        unlinkQuiet(lock);
      }
    }
  } catch (error) {
    release();
    throw error;
  }
  if (ports.length < count) {
    const found = ports.length;
    release();
    throw new Error(
      `test ports: only found ${found} of ${count} free ports on ${address} in ${base}..${base + span - 1} (set DEPLOY_TEST_PORT_BASE / DEPLOY_TEST_PORT_SPAN)`,
    );
  }
  return { ports: [...ports], release };
}

/** Throws unless `address` is an IPv4 loopback address (127.0.0.0/8). */
export function assertLoopback(address: string): void {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) {
    throw new Error(`test services listen on 127.0.0.0/8 only, not on ${JSON.stringify(address)}`);
  }
}

/** True when nothing listens on address:port (we could bind it). */
export function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Creates the lock file exclusively; takes it over when its owner pid is dead. */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (ownerAlive(lock)) return false;
    unlinkQuiet(lock); // stale: its owner died without releasing it
  }
  return false;
}

function ownerAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written: leave it alone
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`test ports: ${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}
