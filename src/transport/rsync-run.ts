import type { Duplex } from 'node:stream';
import type { StagedNames } from '../lib/staged-names.js';
import { runLocalProcess } from './local-process.js';
import { RsyncTreeReader } from './rsync-tree.js';
import type { SyncTreeResult } from './types.js';

export interface RsyncRun {
  /** Exit status; 128 + n when killed by signal n. */
  exitCode: number;
  /** What its item lines and stats said: every item, however many (read as they came). */
  items: SyncTreeResult;
  stderr: string;
}

/**
 * Run the local rsync of buildRsyncTree as every local process runs (runLocalProcess: its own
 * process group, TERM then KILL on abort, rejecting with signal.reason), reading its item
 * lines as they come (RsyncTreeReader: the names, not the text, are kept), and killing the
 * remote shell it started once it exits. `channel`: the deploy process's end of the socket
 * pair rsync gets at fd 3 and hands on to its remote shell (ssh/rsync-tunnel.ts).
 */
export interface RunRsyncOptions {
  signal: AbortSignal;
  /** The staged tree's names: a host's lists hold these strings, not copies (RsyncTreeReader). */
  names?: StagedNames;
  channel?: (socket: Duplex) => void;
}

export async function runRsync(argv: readonly string[], options: RunRsyncOptions): Promise<RsyncRun> {
  const [file = 'rsync', ...args] = argv;
  const { signal, channel } = options;
  const items = new RsyncTreeReader(options.names);
  const run = await runLocalProcess(file, args, {
    cwd: process.cwd(),
    env: { LC_ALL: 'C' },
    signal,
    killGraceMs: 1000,
    onOutput: (stream, piece) => {
      if (stream === 'stdout') items.push(piece);
    },
    stdoutCap: 0,
    killLeftovers: true,
    ...(channel !== undefined ? { channel } : {}),
  });
  if (run.notStarted !== undefined) return { exitCode: run.exitCode, items: items.result(), stderr: `rsync: cannot run it on this machine: ${run.notStarted}` };
  return { exitCode: run.exitCode, items: items.result(), stderr: run.stderr };
}
