import type { CanaryStage, PlanRun } from '../phases/phase-run.js';
import { requireFile } from '../phases/host-tasks.js';
import { checkCanaries, type OnCheckFailure } from './check-canaries.js';
import type { CanaryFailureAsker } from '../prepare/deploy-options.js';
import type { CheckPhase } from '../plan/types.js';
import { revertCanaries } from './revert-canaries.js';
import { revertTreeCanaries } from './revert-tree-canaries.js';

export interface CanaryStageOptions extends PlanRun {
  /** Where canary checks run. */
  cwd: string;
  /** sync-file: this run's kept versions, for a revert of failed canaries; `ask` only on a terminal. */
  canaryFailure?: { versions: { folder: string; runId: string }; ask?: CanaryFailureAsker };
}

/**
 * The check phases of a run (the canaries', each stage's): check and, when the checks fail,
 * take the action (or ask); a `rollback` then reverts every host synced so far that received
 * the new file, canaries included. Without a failure plan (php-fpm-restart, rollback), failed
 * checks abort.
 */
export function canaryStage(options: CanaryStageOptions): CanaryStage {
  const versions = options.canaryFailure?.versions;
  const ask = options.canaryFailure?.ask;
  const onFailure = (phase: CheckPhase): OnCheckFailure | undefined =>
    phase.failure && versions ? { action: phase.failure.action, ...(ask ? { ask } : {}) } : undefined;
  return {
    check: (phase, baselines) => checkCanaries(phase, options, baselines, onFailure(phase)),
    revert: async (phase, runs, why) => {
      if (!phase.failure || !versions) return [];
      // Who received the new file: every target sync phase run so far (never the proxies).
      const synced = runs.filter((done) => done.phase.kind === 'sync' && done.phase.name !== 'sync-proxies').flatMap((done) => done.results);
      const { transport, report, stop, kill, keeper, runStartedAt, resume, treeSync } = options;
      if (treeSync) {
        const base = {
          plan: phase.failure,
          transport,
          report,
          stop,
          kill,
          versions,
          synced,
          treeSync,
          ...(phase.stage !== 'canaries' ? { stage: phase.stage } : {}),
        };
        return revertTreeCanaries({ ...base, ...(runStartedAt !== undefined ? { runStartedAt } : {}), ...(why !== undefined ? { why } : {}) });
      }
      return revertCanaries({
        plan: phase.failure,
        transport,
        report,
        stop,
        kill,
        file: requireFile(options.file),
        versions,
        synced,
        ...(phase.stage !== 'canaries' ? { stage: phase.stage } : {}),
        ...(keeper ? { keeper } : {}),
        ...(runStartedAt !== undefined ? { runStartedAt } : {}),
        ...(resume ? { resumedFrom: resume.id } : {}),
        ...(why !== undefined ? { why } : {}),
      });
    },
  };
}
