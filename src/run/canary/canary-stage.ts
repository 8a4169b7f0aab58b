import type { CanaryStage, PlanRun } from '../phases/phase-run.js';
import { requireFile } from '../phases/host-tasks.js';
import { checkCanaries, type OnCheckFailure } from './check-canaries.js';
import type { CanaryFailureAsker } from '../prepare/deploy-options.js';
import { revertCanaries } from './revert-canaries.js';
import { revertTreeCanaries } from './revert-tree-canaries.js';

export interface CanaryStageOptions extends PlanRun {
  /** Where canary checks run. */
  cwd: string;
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
    revert: async (runs, why) => {
      if (!failurePlan || !versions) return [];
      const synced = runs.find((done) => done.phase.name === 'sync-canaries')?.results ?? [];
      const { transport, report, stop, kill, keeper, runStartedAt, resume, treeSync } = options;
      if (treeSync) {
        const base = { plan: failurePlan, transport, report, stop, kill, versions, synced, treeSync };
        return revertTreeCanaries({ ...base, ...(runStartedAt !== undefined ? { runStartedAt } : {}), ...(why !== undefined ? { why } : {}) });
      }
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
        ...(why !== undefined ? { why } : {}),
      });
    },
  };
}
