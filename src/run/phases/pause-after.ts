import type { PauseReport, PauseWait, Reporter } from '../../model/run.js';
import { stageOf } from '../plan/pause.js';
import type { CheckPhase, Phase, Plan } from '../plan/types.js';
import type { CanaryStage, PhaseRun, RunStop } from './phase-run.js';

/** What a pause takes from the run. */
export interface PauseRun {
  plan: Plan;
  report: Reporter;
  /** Waits for the answer; absent: the run never pauses. */
  pause?: PauseWait;
  canaryStage: CanaryStage;
}

/** What a pause tells the rest of the run. */
export interface PauseProgress {
  runs: PhaseRun[];
  stoppedBy?: RunStop;
  pauses: PauseReport[];
  pauseRolledBack?: boolean;
}

/** What is left after `phase`: each phase to come, with its hosts (a check phase has none). */
function leftAfter(plan: Plan, phase: Phase): Array<{ phase: string; hosts?: number }> {
  return plan.phases
    .slice(plan.phases.indexOf(phase) + 1)
    .map((next) => (next.kind === 'check' ? { phase: next.name } : { phase: next.name, hosts: next.hosts.length }));
}

/**
 * The check phase whose failure plan rolls back every host changed so far: the paused phase
 * itself, else the next check phase (its plan covers the hosts synced before it, the paused
 * stage's included; hosts never reached are skipped), else the last one before it.
 */
function failurePhase(plan: Plan, phase: Phase): CheckPhase {
  if (phase.kind === 'check') return phase;
  const checks = plan.phases.filter((candidate): candidate is CheckPhase => candidate.kind === 'check');
  const at = plan.phases.indexOf(phase);
  const next = checks.find((check) => plan.phases.indexOf(check) > at && check.failure !== undefined);
  const before = [...checks].reverse().find((check) => plan.phases.indexOf(check) < at);
  // Without any check phase there is nothing to put back with: a phase with no failure plan reverts nothing.
  return next ?? before ?? { name: 'check-none', kind: 'check', stage: 'none', hosts: [], checks: [], waitMs: 0, timeoutMs: 0, skipChecks: true, env: {} };
}

/**
 * The run pauses after `phase` (the end of a stage marked `pause`): it waits for the answer.
 * `promote` goes on; `abort` and pause_timeout stop the run there (aborted); `rollback` stops it
 * and puts back what it changed, as failed checks with the action rollback do; a signal
 * interrupts it.
 */
export async function pauseAfter(phase: Phase, run: PauseRun, progress: PauseProgress): Promise<void> {
  if (run.pause === undefined) return;
  const stage = stageOf(phase) ?? phase.name;
  const outcome = await run.pause({ stage, phase: phase.name, left: leftAfter(run.plan, phase) });
  const { answer, by } = outcome;
  progress.pauses.push({
    after: stage,
    phase: phase.name,
    startedAt: outcome.startedAt.toISOString(),
    durationMs: Math.round(outcome.durationMs),
    answer,
    ...(by !== undefined ? { by } : {}),
  });
  if (answer === 'promote') return;
  if (answer === 'interrupt') {
    progress.stoppedBy = 'interrupt';
    return;
  }
  progress.stoppedBy = 'pause';
  if (answer !== 'rollback') return;
  const reverted = await run.canaryStage.revert(failurePhase(run.plan, phase), progress.runs, `deploy abort --rollback while paused after ${stage}`);
  if (reverted.length === 0) {
    run.report({ type: 'notice', level: 'warn', text: `deploy abort --rollback: this ${run.plan.command} run has nothing to put back; it stops here` });
    return;
  }
  progress.runs.push(...reverted);
  progress.pauseRolledBack = true;
}
