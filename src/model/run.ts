import type { HostResult, PhaseCounts, RolloutEvent } from '../rollout/types.js';

export type RunStatus = 'success' | 'warnings' | 'failed' | 'aborted' | 'rolled-back' | 'interrupted';

/** One phase in the JSON report (`check-canaries` counts check commands). */
export interface PhaseReport {
  name: string;
  durationMs: number;
  ok: number;
  warning: number;
  failed: number;
  skipped: number;
  notStarted: number;
}

/** The `--json` report, exactly as SPEC.md gives it. */
export interface RunReport {
  command: string;
  path?: string;
  message: string;
  status: RunStatus;
  exitCode: number;
  startedAt: string;
  durationMs: number;
  phases: PhaseReport[];
  /** `source` (with `sync_proxies`, target sync phases): the proxy the file came from, or `direct`. */
  hosts: Array<Omit<HostResult, 'note' | 'transfer'> & { pool?: string; source?: string; changed?: number; removed?: number; bytesSent?: number }>;
  /** A tree run (sync-file <folder>, sync-world): the regular files synced and their bytes. */
  tree?: { files: number; bytes: number };
  /** With `pools` configured: each pool, its targets, and whether pool_failure_limit halted it. */
  pools?: Array<{ name: string; hosts: string[]; halted: boolean }>;
  /** Every canary check run, with its one-line reason. */
  checks?: Array<{ check: string; host?: string; ok: boolean; detail: string }>;
  /** Where the run paused (`--pause-after`, a stage with `pause`) and how each pause ended. */
  pauses?: PauseReport[];
}

/** How a pause ended: `deploy promote`, `deploy abort [--rollback]`, `pause_timeout`, or a signal. */
export type PauseAnswer = 'promote' | 'abort' | 'rollback' | 'timeout' | 'interrupt';

/** One pause of a run, in the JSON report and the history. */
export interface PauseReport {
  /** The stage the run paused after (`canaries`, or a stage's name). */
  after: string;
  /** The phase it paused after (`check-canaries`). */
  phase: string;
  startedAt: string;
  durationMs: number;
  answer: PauseAnswer;
  /** Who answered (`user@host pid N`), for promote and abort. */
  by?: string;
}

/** Where a run pauses, and what is left after it. */
export interface PauseAt {
  stage: string;
  phase: string;
  left: Array<{ phase: string; hosts?: number }>;
}

/** How a pause ended, and when it started. */
export interface PauseOutcome {
  answer: PauseAnswer;
  /** Who answered (promote, abort): `user@host pid N`. */
  by?: string;
  startedAt: Date;
  durationMs: number;
}

/** Pause the run at a stage's end until an answer comes (src/run/live/pause-point.ts). */
export type PauseWait = (at: PauseAt) => Promise<PauseOutcome>;

/** Everything a reporter hears about a run. The engine's events come through unchanged. */
export type RunEvent =
  | RolloutEvent
  | { type: 'run-start'; command: string; path?: string; message: string; transport: string; hosts: number; canaries: number }
  | { type: 'phase-start'; phase: string; hosts: number }
  | { type: 'phase-end'; phase: string; durationMs: number; counts: PhaseCounts; notes: string[] }
  | { type: 'notice'; level: 'info' | 'warn'; text: string }
  | { type: 'restart-warning'; host: string; command: string; exitCode: number; stdout: string; stderr: string }
  | { type: 'check-result'; stage?: string; command: string; host?: string; ok: boolean; detail: string; exitCode?: number; output: string; error?: string }
  | { type: 'paused'; after: string; phase: string; token: string; timeoutMs: number; left: Array<{ phase: string; hosts?: number }> }
  | { type: 'pause-end'; after: string; token: string; answer: PauseAnswer; by?: string; request?: string; durationMs: number }
  | { type: 'run-end'; report: RunReport; reason?: string };

export type Reporter = (event: RunEvent) => void;
