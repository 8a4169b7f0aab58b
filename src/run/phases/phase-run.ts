import type { Baselines, CheckResult } from '../../checks/types.js';
import type { HostResult, PhaseCounts, StopReason } from '../../rollout/types.js';
import type { PauseReport, Reporter } from '../../model/run.js';
import type { ResumePoint } from '../../state/journal.js';
import type { Transport } from '../../transport/types.js';
import type { CheckPhase, Phase, Plan } from '../plan/types.js';
import type { StagedFile } from '../prepare/stage-file.js';
import type { VersionKeeper } from './version-keeper.js';
import type { FileSource } from './proxy-sync-task.js';
import type { TreeSync } from './tree-run.js';

/** What running the plan (its phases and its canary stage) takes from the run. */
export interface PlanRun {
  plan: Plan;
  transport: Transport;
  file?: StagedFile;
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  /** --resume: per phase, hosts already done in the run being resumed (reported skipped). */
  resume?: ResumePoint;
  /** The run's start (Date.now clock): host results then carry `startMs` for the timeline. */
  runStartedAt?: number;
  /** Keeps what each host had before a sync phase replaced its file (sync-file, rollback). */
  keeper?: VersionKeeper;
  /** A folder (either layout), or a file with `releases`: how sync phases change hosts' folders. */
  treeSync?: TreeSync;
}

/** What running the plan gives back: each phase's results, and why the run stopped. */

export interface PhaseRun {
  phase: Phase;
  /** False for phases the run never reached. */
  reached: boolean;
  durationMs: number;
  results: HostResult[];
  checks: CheckResult[];
}

/** `pause`: a paused run was aborted (deploy abort, with or without --rollback, or pause_timeout). */
export type RunStop = StopReason | 'canary-checks' | 'lint' | 'pause';

export interface ExecutionResult {
  phases: PhaseRun[];
  stoppedBy?: RunStop;
  /** With `pools`: every target's pool, and the pools halted by pool_failure_limit. */
  pools?: { of: Map<string, string>; halted: string[] };
  /** With `sync_proxies`: where each target's file came from (a proxy, or `direct`). */
  sources?: Map<string, FileSource>;
  /** The canary (or a stage's) checks failed and the run went on (ignored), rolled back or aborted. */
  canaryFailure?: 'ignored' | 'rollback' | 'abort';
  /** The lint failed before any host was touched: the file and the checker's message. */
  lintFailure?: { file: string; message: string };
  /** The step whose failed checks stopped the run (rolled back or aborted): `canaries` or a stage's name. */
  failedChecks?: string;
  /** Check phases whose failure the deployer chose to ignore. */
  ignoredChecks?: string[];
  /** Where the run paused, and how each pause ended. */
  pauses?: PauseReport[];
  /** `deploy abort --rollback` while paused: the hosts changed so far were rolled back. */
  pauseRolledBack?: boolean;
}

/** A check phase's figures: each check command counts as one "host". */
export function checkCounts(phase: CheckPhase, checks: readonly CheckResult[], reached: boolean): PhaseCounts {
  const total = phase.checks.length;
  const ok = checks.filter((check) => check.ok).length;
  const failed = checks.length - ok;
  const skipped = reached && phase.skipChecks ? total : 0;
  return { total, ok, warning: 0, failed, skipped, notStarted: total - ok - failed - skipped, running: 0, left: 0 };
}

/** How a check phase ended: passed, failed and then ignored, rolled back or aborted, or interrupted. */
export type CheckDecision = 'passed' | 'ignored' | 'rollback' | 'abort' | 'interrupt';

/**
 * The canary stage as the phases see it, passed in by the run (canary/canary-stage.ts) so the
 * phases never import the canary code that runs phases in turn.
 */
export interface CanaryStage {
  /** Run the checks and, when they fail, decide what to do. */
  check(phase: CheckPhase, baselines: Baselines): Promise<{ checks: CheckResult[]; decision: CheckDecision }>;
  /**
   * After a `rollback` decision (or `deploy abort --rollback` while paused): put the old file back
   * on every host synced so far, given the phases run so far; `why` starts its notice.
   */
  revert(phase: CheckPhase, runs: readonly PhaseRun[], why?: string): Promise<PhaseRun[]>;
}
