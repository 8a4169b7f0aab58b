import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { OutputBuffer } from './output-buffer.js';
import type { ExecResult } from './types.js';

export interface LocalProcessOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Run `file` through /bin/sh -c (canary checks are shell commands). */
  shell?: boolean;
  signal: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Called once the process is spawned. */
  onStart?: () => void;
  /** After SIGTERM, how long before SIGKILL. */
  killGraceMs?: number;
  /** Most stdout bytes kept (default OUTPUT_CAP_BYTES); 0 when the caller reads it all from onOutput (rsync's item lines). */
  stdoutCap?: number;
  /**
   * Write stdout straight into this new file (owner-only) instead of a pipe, for the caller to
   * read once the process has exited (`stdout` is then empty): a child that prints a lot never
   * waits for this process to read it, however busy its event loop is (the stage listing, while
   * the first hosts connect).
   */
  stdoutFile?: string;
  /** Once it exits, KILL what it started and left in its group (rsync's remote shell, say). */
  killLeftovers?: boolean;
  /**
   * A socket pair at the child's fd 3, this end handed to `channel` (rsync passes fd 3 on to
   * its remote shell: rsync-tunnel.ts); destroyed when the child exits.
   */
  channel?: (socket: Duplex) => void;
}

/** A local run's result; `notStarted`: why the process could not be started at all (its spawn error). */
export type LocalRun = ExecResult & { notStarted?: string };

/** How a child ended: its status or signal once its output is closed, or why it could not start. */
type Ended = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException };

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Run a process on this machine in its own process group, so a terminal's Ctrl-C does not
 * reach it and stopping it stops everything it started. Resolves with its exit status and
 * output whatever the status; on abort, TERM then KILL the whole group and reject with the
 * signal's reason.
 */
export async function runLocalProcess(file: string, args: readonly string[], options: LocalProcessOptions): Promise<LocalRun> {
  options.signal.throwIfAborted();
  const stdout = new OutputBuffer(options.stdoutCap);
  const stderr = new OutputBuffer();
  const toFile = options.stdoutFile !== undefined ? await open(options.stdoutFile, 'wx', 0o600) : undefined;
  let child: ReturnType<typeof spawn>;
  try {
    options.signal.throwIfAborted();
    child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      shell: options.shell ?? false,
      detached: true,
      stdio: ['ignore', toFile?.fd ?? 'pipe', 'pipe', ...(options.channel ? ['pipe' as const] : [])],
    });
  } catch (error) {
    await toFile?.close();
    throw error;
  }
  const ended = new Promise<Ended>((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // The child has its own copy of the descriptor by now.
  const closing = toFile?.close();
  const channel = options.channel ? (child.stdio[3] as Duplex | undefined) : undefined;
  if (channel !== undefined) {
    options.channel?.(channel);
    child.once('exit', () => channel.destroy());
  }
  for (const [name, stream, buffer] of [
    ['stdout', child.stdout, stdout],
    ['stderr', child.stderr, stderr],
  ] as const) {
    // A character whose bytes span two chunks is handed to onOutput whole, with the second.
    const text = new StringDecoder('utf8');
    const emit = (piece: string): void => {
      if (piece !== '') options.onOutput?.(name, piece);
    };
    stream?.on('data', (chunk: Buffer) => {
      buffer.push(chunk);
      emit(text.write(chunk));
    });
    stream?.on('end', () => emit(text.end()));
  }
  child.once('spawn', () => options.onStart?.());
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    killGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await closing;
    const result = await ended;
    if (options.signal.aborted) {
      killGroup(child.pid, 'SIGKILL');
      throw options.signal.reason;
    }
    if ('error' in result) {
      // Could not start: report it as a shell would (command not found / not executable).
      const status = result.error.code === 'EACCES' ? 126 : 127;
      return { exitCode: status, stdout: '', stderr: `${file}: ${result.error.message}`, truncated: false, notStarted: result.error.message };
    }
    const exitCode = result.code ?? 128 + (SIGNAL_NUMBERS[result.signal ?? ''] ?? 0);
    return { exitCode, stdout: stdout.text(), stderr: stderr.text(), truncated: stdout.truncated || stderr.truncated };
  } finally {
    clearTimeout(killTimer);
    options.signal.removeEventListener('abort', onAbort);
    if (options.killLeftovers) killGroup(child.pid, 'SIGKILL');
  }
}
