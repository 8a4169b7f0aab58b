import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readTextIfExists } from '../lib/read-file.js';
import type { PhaseCounts } from '../rollout/types.js';
import { writeFileAtomically } from '../lib/atomic-file.js';
import { isProcessAlive } from './lock-holder.js';

/** A host that is not queued: what it is doing now (stalled is the reader's call, from `lastActivityAt`). */
export interface LiveHost {
  host: string;
  phase: string;
  state: 'running' | 'retrying' | 'failed';
  pool?: string;
  /** Epoch ms: when the host started in its phase. */
  startedAt: number;
  /** Epoch ms: its last sign of life (start, retry, command start, output). */
  lastActivityAt: number;
  /** retrying: the attempt coming next, and the last error. failed: why. */
  attempt?: number;
  error?: string;
}

export interface LivePhase {
  name: string;
  startedAt: number;
  /** The engine's latest figures (check-canaries: check commands). */
  counts: PhaseCounts;
  /** A running host silent longer than this is shown as stalled; unset: never (sync, checks). */
  stallAfterMs?: number;
  durationMs?: number;
}

export interface LivePool {
  name: string;
  total: number;
  running: number;
  ok: number;
  warning: number;
  failed: number;
  halted: boolean;
}

/** A run paused after a stage: since when, what is left, and the token a promote or abort request names. */
export interface LivePause {
  /** The stage (`canaries`, or a stage's name) and the phase that ended it. */
  after: string;
  phase: string;
  /** Epoch ms. */
  since: number;
  /** Epoch ms: when pause_timeout aborts the run. */
  timeoutAt: number;
  /** Random, new for each pause (state/pause-request.ts). */
  token: string;
  /** The phases still to run, with their hosts. */
  left: Array<{ phase: string; hosts?: number }>;
}

/** The last answer a paused run took: a requester waits to see its request's id here. */
export interface LiveAnswer {
  token: string;
  request?: string;
  answer: string;
  by?: string;
  /** Epoch ms. */
  at: number;
}

/**
 * What a running deploy publishes about itself for `deploy status`: small (only hosts that
 * are not queued), replaced atomically, owner-only. `finished` is set when the run ends.
 */
export interface LiveState {
  version: 1;
  pid: number;
  host: string;
  user: string;
  command: string;
  path?: string;
  message: string;
  transport: string;
  /** Epoch ms. */
  startedAt: number;
  updatedAt: number;
  phase?: LivePhase;
  /** Phases already finished, in order. */
  done: LivePhase[];
  hosts: LiveHost[];
  /** Failed hosts left out of `hosts` to keep the file small. */
  moreFailed: number;
  /** With `pools`: the current restart phase's pools. */
  pools?: LivePool[];
  finished?: { status: string; exitCode: number; line: string; reportStartedAt: string };
  /** Set while the run is paused after a stage. */
  paused?: LivePause;
  answered?: LiveAnswer;
}

/** The live state beside the run journals: `<lock_file>.journal/live.json`. */
export function statusFilePath(lockFile: string): string {
  return join(dirname(lockFile), `${basename(lockFile)}.journal`, 'live.json');
}

/** Replace the live state atomically (0600; its folder 0700 when created). */
export async function writeStatusFile(path: string, state: LiveState): Promise<void> {
  await writeFileAtomically(path, Buffer.from(`${JSON.stringify(state)}\n`), 0o600, { folderMode: 0o700 });
}

/** The live state, or undefined when there is none; a damaged one is told to `warn` and ignored. */
export function readStatusFile(path: string, warn: (text: string) => void): LiveState | undefined {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    warn(`cannot read the live state ${path}: ${(error as Error).message}`);
    return undefined;
  }
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as LiveState | null;
    if (state?.version === 1 && typeof state.pid === 'number' && Array.isArray(state.hosts)) return state;
  } catch {
    // damaged: below
  }
  warn(`ignored a damaged live state ${path}`);
  return undefined;
}

/** True while the process that wrote `state` is alive (a writer on another machine: assumed alive). */
export function isWriterAlive(state: Pick<LiveState, 'pid' | 'host'>): boolean {
  return state.host !== hostname() || isProcessAlive(state.pid);
}
