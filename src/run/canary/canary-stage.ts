import type { Reporter } from '../../model/run.js';
import type { ResumePoint } from '../../state/journal.js';
import type { Transport } from '../../transport/types.js';
import type { CanaryStage } from '../phases/phase-run.js';
import type { VersionKeeper } from '../phases/version-keeper.js';
import type { Plan } from '../plan/types.js';
import type { StagedFile } from '../prepare/stage-file.js';
import { requireFile } from '../phases/host-tasks.js';
import { checkCanaries, type OnCheckFailure } from './check-canaries.js';
import type { CanaryFailureAsker } from '../prepare/deploy-options.js';
import { revertCanaries } from './revert-canaries.js';

export interface CanaryStageOptions {
  plan: Plan;
  transport: Transport;
  file?: StagedFile;
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  /** Where canary checks run. */
  cwd: string;
  resume?: ResumePoint;
  runStartedAt?: number;
  keeper?: VersionKeeper;
  /** sync-file: this run's kept versions, for a revert of failed canaries; `ask` only on a terminal. */
  canaryFailure?: { versions: { folder: string; runId: string }; ask?: CanaryFailureAsker };
}

/**
 * The canary stage of a run: check the canaries and, when the checks fail, take the action
 * (or ask); a `rollback` then reverts the canaries that received the new file. Without a
 * failure plan (php-fpm-restart, rollback), failed checks abort.
 */
export function canaryStage(options: CanaryStageOptions): CanaryStage {
  const failurePlan = options.plan.canaryFailure;
  const versions = options.canaryFailure?.versions;
  const ask = options.canaryFailure?.ask;
  const onFailure: OnCheckFailure | undefined = failurePlan && versions ? { action: failurePlan.action, ...(ask ? { ask } : {}) } : undefined;
  return {
    check: (phase, baselines) => checkCanaries(phase, options, baselines, onFailure),
    revert: async (runs) => {
      if (!failurePlan || !versions) return [];
      const synced = runs.find((done) => done.phase.name === 'sync-canaries')?.results ?? [];
      const { transport, report, stop, kill, keeper, runStartedAt, resume } = options;
      return revertCanaries({
        plan: failurePlan,
        transport,
        report,
        stop,
        kill,
        file: requireFile(options.file),
        versions,
        synced,
        ...(keeper ? { keeper } : {}),
        ...(runStartedAt !== undefined ? { runStartedAt } : {}),
        ...(resume ? { resumedFrom: resume.id } : {}),
      });
    },
  };
}
