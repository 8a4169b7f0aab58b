/**
 * One service process started by a test harness: spawned in its own process group (under
 * `setpriv --pdeathsig KILL` when present, so it dies with this process even on SIGKILL), with
 * a tail of its output kept for error messages, and stopped by signalling only its own group.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import path from 'node:path';

export const CHILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ServiceProcess {
  /** Pid of the spawned process (and id of its process group). */
  pid: number;
  /** True until the process has exited. */
  alive(): boolean;
  /** The last few KB of its stdout and stderr. */
  outputTail(): string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<void>;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to its process group, now (for process-exit handlers, which cannot wait). */
  killNow(): void;
}

/** Spawns argv with a clean environment (PATH plus `env`): nothing from the test's env leaks in. */
export function spawnService(argv: string[], options: { env?: Record<string, string>; cwd?: string; label: string }): ServiceProcess {
  const setpriv = findExecutable('setpriv');
  const full = setpriv !== undefined ? [setpriv, '--pdeathsig', 'KILL', '--', ...argv] : argv;
  const proc: ChildProcess = spawn(full[0]!, full.slice(1), {
    detached: true, // own process group: stop() signals the group, never anything else
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { PATH: CHILD_PATH, ...options.env },
  });
  let tail = '';
  const keep = (chunk: string): void => {
    tail = (tail + chunk).slice(-4_000);
  };
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.once('error', (error) => {
      spawnError = error;
      keep(`spawn failed: ${error.message}\n`);
      resolve();
    });
  });
  for (const stream of [proc.stdout, proc.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', keep);
  }
  // Don't keep the event loop alive for the service: the exit handler below kills it.
  proc.unref();
  for (const stream of [proc.stdout, proc.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  const alive = (): boolean => spawnError === undefined && proc.exitCode === null && proc.signalCode === null;
  const killNow = (): void => {
    if (alive() && proc.pid !== undefined) signalQuiet(-proc.pid, 'SIGKILL');
  };
  // Last resort when a test never calls stop(): kill the group as this process exits.
  const offExit = onProcessExit(killNow);
  void exited.then(offExit);

  let stopping: Promise<void> | undefined;
  return {
    pid: proc.pid ?? -1,
    alive,
    outputTail: () => tail.trim(),
    exited,
    stop(graceMs = 5_000): Promise<void> {
      stopping ??= (async () => {
        const pid = proc.pid;
        if (pid !== undefined && alive()) {
          signalQuiet(-pid, 'SIGTERM');
          if (!(await settlesWithin(exited, graceMs))) {
            signalQuiet(-pid, 'SIGKILL');
            if (!(await settlesWithin(exited, 5_000))) throw new Error(`${options.label}: pid ${pid} would not die`);
          }
        }
        // Children that outlived the leader (e.g. rsync's per-connection processes).
        if (pid !== undefined) signalQuiet(-pid, 'SIGKILL');
        offExit();
      })();
      return stopping;
    },
    killNow,
  };
}

/** Runs `fn` (synchronous) if this process exits before the returned function is called. */
export function onProcessExit(fn: () => void): () => void {
  process.on('exit', fn);
  return () => void process.off('exit', fn);
}

/** For exit handlers: kill the service, remove its folder, free its ports, all synchronously. */
export function cleanupSync(service: ServiceProcess | undefined, dir: string, release: () => void): void {
  service?.killNow();
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort: the process is exiting
  }
  release();
}

/**
 * Polls `check` until it resolves true. Fails at once when the process exits, and after
 * `timeoutMs` with the process's output tail in the message.
 */
export async function waitReady(
  service: ServiceProcess,
  check: () => Promise<boolean>,
  options: { label: string; timeoutMs: number; pollMs?: number },
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (!service.alive()) {
      throw new Error(`${options.label} exited before it was ready; it said: ${service.outputTail() || '(nothing)'}`);
    }
    if (await check().catch(() => false)) {
      if (service.alive()) return Date.now() - started;
      continue; // it answered but is gone: report the exit above
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new Error(`${options.label} not ready within ${options.timeoutMs} ms; it said: ${service.outputTail() || '(nothing)'}`);
    }
    await delay(options.pollMs ?? 100);
  }
}

/** Start timeout for services: DEPLOY_TEST_SERVICE_TIMEOUT_MS or the default (generous: shared 2-core machines). */
export function startTimeoutMs(given: number | undefined, fallback = 30_000): number {
  const fromEnv = Number(process.env.DEPLOY_TEST_SERVICE_TIMEOUT_MS);
  return given ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short command (argv as data, clean env) and collects its output; never rejects. */
export function runCommand(cmd: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: CHILD_PATH, ...options.env }, timeout: options.timeoutMs ?? 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error?.message ?? '') });
    });
  });
}

/** The first executable `cmd` on PATH (plus the usual sbin folders), or undefined. */
export function findExecutable(cmd: string): string | undefined {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : undefined;
  const dirs = `${process.env.PATH ?? ''}:${CHILD_PATH}`.split(':').filter((d) => d !== '');
  for (const dir of dirs) {
    const file = path.join(dir, cmd);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

function signalQuiet(pid: number, sig: NodeJS.Signals): void {
  if (Math.abs(pid) <= 1 || Math.abs(pid) === process.pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
