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
}

/** Everything a reporter hears about a run. The engine's events come through unchanged. */
export type RunEvent =
  | RolloutEvent
  | { type: 'run-start'; command: string; path?: string; message: string; transport: string; hosts: number; canaries: number }
  | { type: 'phase-start'; phase: string; hosts: number }
  | { type: 'phase-end'; phase: string; durationMs: number; counts: PhaseCounts; notes: string[] }
  | { type: 'notice'; level: 'info' | 'warn'; text: string }
  | { type: 'restart-warning'; host: string; command: string; exitCode: number; stdout: string; stderr: string }
  | { type: 'check-result'; stage?: string; command: string; host?: string; ok: boolean; detail: string; exitCode?: number; output: string; error?: string }
  | { type: 'run-end'; report: RunReport; reason?: string };

export type Reporter = (event: RunEvent) => void;
