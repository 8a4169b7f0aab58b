import { BugError } from '../../errors.js';
import type { Reporter } from '../../model/run.js';
import { rollout, type RolloutResult } from '../../rollout/rollout.js';
import type { HostTask, RolloutEvent } from '../../rollout/types.js';
import { restartLimits } from './host-tasks.js';
import type { RestartPhase, SyncPhase } from '../plan/types.js';

/** What running a host phase takes from the run: where events go, and its stop signals. */
export interface HostPhaseRun {
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  runStartedAt?: number;
}

/**
 * Run one sync or restart phase through the engine: its window, failure limit, pools and (for
 * restarts) timeout and stall watchdog. Every event goes to the run's reporter, then `onEvent`.
 */
export function rollPhase(
  phase: SyncPhase | RestartPhase,
  skip: ReadonlyMap<string, string>,
  task: HostTask,
  run: HostPhaseRun,
  onEvent?: (event: RolloutEvent) => void,
): Promise<RolloutResult> {
  return rollout({
    phase: phase.name,
    hosts: phase.hosts,
    skip,
    concurrency: phase.concurrency,
    failureLimit: phase.failureLimit,
    ...(phase.kind === 'restart' ? restartLimits(phase) : {}),
    isBug: (error) => error instanceof BugError,
    stop: run.stop,
    kill: run.kill,
    ...(phase.kind === 'restart' && phase.pools ? { pools: phase.pools } : {}),
    task,
    onEvent: (event) => {
      run.report(event);
      onEvent?.(event);
    },
    ...(run.runStartedAt !== undefined ? { runStartedAt: run.runStartedAt } : {}),
  });
}
