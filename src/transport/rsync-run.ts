import type { Duplex } from 'node:stream';
import { runLocalProcess } from './local-process.js';

export interface RsyncRun {
  /** Exit status; 128 + n when killed by signal n. */
  exitCode: number;
  /** All of stdout: one item line per file moved, then the stats. */
  stdout: string;
  stderr: string;
}

/**
 * Run the local rsync of buildRsyncTree as every local process runs (runLocalProcess: its own
 * process group, TERM then KILL on abort, rejecting with signal.reason), keeping all of its
 * stdout, which the items are read from, and killing the remote shell it started once it
 * exits. `channel`: the deploy process's end of the socket pair rsync gets at fd 3 and hands on
 * to its remote shell (ssh/rsync-tunnel.ts).
 */
export async function runRsync(argv: readonly string[], signal: AbortSignal, channel?: (socket: Duplex) => void): Promise<RsyncRun> {
  const [file = 'rsync', ...args] = argv;
  const run = await runLocalProcess(file, args, {
    cwd: process.cwd(),
    env: { LC_ALL: 'C' },
    signal,
    killGraceMs: 1000,
    stdoutCap: Number.POSITIVE_INFINITY,
    killLeftovers: true,
    ...(channel !== undefined ? { channel } : {}),
  });
  if (run.notStarted !== undefined) return { exitCode: run.exitCode, stdout: '', stderr: `rsync: cannot run it on this machine: ${run.notStarted}` };
  return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
}
