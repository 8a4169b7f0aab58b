import { spawn } from 'node:child_process';
import { OutputBuffer } from './output-buffer.js';

export interface RsyncRun {
  /** Exit status; 128 + n when killed by signal n (or 255 when unknown). */
  exitCode: number;
  /** All of stdout: one item line per file moved, then the stats. */
  stdout: string;
  stderr: string;
}

/** After TERM, how long before the process group gets KILL. */
const KILL_GRACE_MS = 1000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Run the local rsync of buildRsyncTree in its own process group (so the rsh client it starts
 * goes with it) and keep all of its stdout, which the items are read from. On abort: TERM to
 * the group, KILL after a second, and reject with signal.reason once it is gone.
 */
export function runRsync(argv: readonly string[], signal: AbortSignal): Promise<RsyncRun> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const [file, ...args] = argv;
  return new Promise<RsyncRun>((resolve, reject) => {
    const child = spawn(file ?? 'rsync', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const stdout: Buffer[] = [];
    const stderr = new OutputBuffer();
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ exitCode: 127, stdout: '', stderr: `rsync: cannot run it on this machine: ${error.message}` });
    });
    child.once('close', (code, killedBy) => {
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      killGroup(child.pid, 'SIGKILL');
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const exitCode = code ?? (killedBy === null ? 255 : 128 + (killedBy === 'SIGKILL' ? 9 : 15));
      resolve({ exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderr.text() });
    });
  });
}
