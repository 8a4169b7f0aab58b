import type { Reporter } from '../../model/run.js';
import type { HostResult } from '../../rollout/types.js';
import { readTreeVersions, type HostTreeVersion } from '../../state/kept-trees.js';
import type { Transport } from '../../transport/types.js';
import { restartTask } from '../phases/host-tasks.js';
import type { PhaseRun } from '../phases/phase-run.js';
import { treeRestoreTask } from '../phases/tree-restore-task.js';
import type { TreeSync } from '../phases/tree-run.js';
import type { CanaryFailurePlan } from '../plan/types.js';
import { runPhase } from './revert-canaries.js';

export interface TreeRevertInput {
  plan: CanaryFailurePlan;
  transport: Transport;
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  runStartedAt?: number;
  treeSync: TreeSync;
  /** This run's record (state/kept-trees). */
  versions: { folder: string; runId: string };
  /** The stage whose checks failed; absent for the canaries. */
  stage?: string;
  /** The results of the sync phases run so far: whose tree changed. */
  synced: readonly HostResult[];
  /** Why the canaries are rolled back, for the notice; `canary checks failed` by default. */
  why?: string;
}

/**
 * Roll back a tree run's canaries: each canary whose tree changed gets its old tree back
 * (releases: `current` switched back; in-place: what the run replaced or removed put back
 * from the host's backup, what it added removed), only where the tree is still what this run
 * left; then `rollback-restart` restarts them again. A canary with a built release not yet
 * switched to (its restart never came) has nothing live to undo.
 */
export async function revertTreeCanaries(input: TreeRevertInput): Promise<PhaseRun[]> {
  const { plan, treeSync } = input;
  const recorded = new Map(
    (readTreeVersions(input.versions.folder, input.versions.runId, () => undefined) ?? []).map((version): [string, HostTreeVersion] => [version.host, version]),
  );
  const skip = new Map<string, string>();
  for (const host of plan.sync.hosts) {
    const result = input.synced.find((done) => done.host === host);
    if (result?.outcome !== 'ok') skip.set(host, 'its tree was not changed');
    else if (result.note === 'unchanged') skip.set(host, 'it had the new tree before this run');
    else if (treeSync.built.has(host)) skip.set(host, 'its new release was never switched to');
    else if (!recorded.has(host)) skip.set(host, 'its change was not recorded: cannot undo it (it keeps the new tree)');
  }
  const received = plan.sync.hosts.length - skip.size;
  const what = treeSync.tree?.relativePath ?? treeSync.file?.relativePath ?? '.';
  const tree = what === '.' ? 'the stage' : what;
  input.report({
    type: 'notice',
    level: 'warn',
    text:
      input.why !== undefined
        ? `${input.why}: rolling back ${tree} on ${received} ${received === 1 ? 'host' : 'hosts'}`
        : input.stage === undefined
          ? `canary checks failed: rolling back ${tree} on ${received} ${received === 1 ? 'canary' : 'canaries'}`
          : `checks of stage ${input.stage} failed: rolling back ${tree} on ${received} ${received === 1 ? 'host' : 'hosts'}`,
  });
  const task = treeRestoreTask(input.transport, { runId: input.versions.runId, folder: input.versions.folder, versions: recorded });
  const synced = await runPhase(plan.sync, skip, task, input);
  if (!plan.restart) return [synced];
  const rolledBack = new Set(synced.results.filter((result) => result.outcome === 'ok').map((result) => result.host));
  const restartSkip = new Map(plan.restart.skip);
  for (const host of plan.restart.hosts) if (!restartSkip.has(host) && !rolledBack.has(host)) restartSkip.set(host, 'not rolled back');
  const restarted = await runPhase(plan.restart, restartSkip, restartTask(input.transport, plan.restart, input.report), input);
  return [synced, restarted];
}
