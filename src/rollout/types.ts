/** Per-host results are data; reporters turn them into text. */

export type Outcome = 'ok' | 'warning' | 'failed' | 'skipped' | 'not-started';

export interface HostResult {
  host: string;
  phase: string;
  outcome: Outcome;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  /** Why the host failed, was skipped or was not started: one line. */
  error?: string;
  durationMs?: number;
  /** When the host started, in ms from the run's start (set when the engine is given `runStartedAt`). */
  startMs?: number;
  /** A detail worth counting, e.g. "unchanged" for a file the host already had. */
  note?: string;
  /** A tree sync: files and links changed and removed, bytes sent. */
  transfer?: TransferCounts;
}

/** What a tree sync moved to one host (folders not counted). */
export interface TransferCounts {
  changed: number;
  removed: number;
  bytesSent: number;
}

/**
 * What a task reports for a host it finished (anything thrown is a failure). A task may find
 * only when it runs that the host must be left alone: `skipped`, with why in `error`.
 */
export interface TaskResult {
  outcome: 'ok' | 'warning' | 'skipped';
  error?: string;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  note?: string;
  transfer?: TransferCounts;
}

export interface HostContext {
  /** Aborts when the host must stop: timeout, stall, or a second interrupt. */
  signal: AbortSignal;
  /** Call once the host's command is running (connected): the stall watchdog starts counting here. */
  commandStarted(): void;
  /** Call on any output: feeds the stall watchdog and live status. */
  activity(): void;
  /** Call when the transport retries connecting. */
  retrying(attempt: number, error: Error, delayMs: number): void;
}

export type HostTask = (host: string, context: HostContext) => Promise<TaskResult>;

export interface PhaseCounts {
  total: number;
  ok: number;
  warning: number;
  failed: number;
  skipped: number;
  notStarted: number;
  running: number;
  /** Hosts still to do: queued, running, or never started because the run stopped. */
  left: number;
}

export type RolloutEvent =
  | { type: 'host-start'; phase: string; host: string; at: number }
  | { type: 'host-output'; phase: string; host: string; at: number }
  /** The host's command is running (connected, retries over). */
  | { type: 'host-command'; phase: string; host: string; at: number }
  | { type: 'host-retry'; phase: string; host: string; attempt: number; error: string; delayMs: number }
  | { type: 'host-end'; phase: string; result: HostResult }
  | { type: 'progress'; phase: string; counts: PhaseCounts }
  | { type: 'limit-reached'; phase: string; failed: number; limit: number }
  | { type: 'pool-halted'; phase: string; pool: string; failed: number; limit: number };

export type StopReason = 'failure-limit' | 'interrupt' | 'pool-failure-limit';

/** The pools of a restart phase's hosts. */
export interface PoolOptions {
  /** Each host's pool; a host not listed is in the pool `default`. */
  of: ReadonlyMap<string, string>;
  /** Most hosts of each pool running at once. */
  concurrency: ReadonlyMap<string, number>;
  /** Most pools with a host running at once; 0: no limit. */
  maxParallel: number;
  /** Failed hosts tolerated per pool; one more halts the pool. A pool not listed: no limit. */
  failureLimit?: ReadonlyMap<string, number>;
}

/** A per-host limit and the one-line reason a host stopped by it fails with. */
export interface TimeLimit {
  ms: number;
  message: string;
}

/** Why the engine stopped a host's task: its abort reason. */
export class HostStop extends Error {
  override readonly name = 'HostStop';
  constructor(
    readonly kind: 'timeout' | 'stalled' | 'interrupted',
    message: string,
  ) {
    super(message);
  }
}
