import type { Reporter } from '../../model/run.js';
import { countResults } from '../../rollout/counts.js';
import type { HostResult, HostTask } from '../../rollout/types.js';
import { readRunVersions, type HostVersion } from '../../state/kept-versions.js';
import { sha256 } from '../../lib/sha256.js';
import type { Transport } from '../../transport/types.js';
import type { PhaseRun } from '../phases/phase-run.js';
import { restartTask } from '../phases/host-tasks.js';
import { rollPhase } from '../phases/host-phase.js';
import type { CanaryFailurePlan, RestartPhase, SyncPhase } from '../plan/types.js';
import { restoreTask } from '../phases/restore-task.js';
import type { StagedFile } from '../prepare/stage-file.js';
import type { VersionKeeper } from '../phases/version-keeper.js';

export interface RevertInput {
  plan: CanaryFailurePlan;
  transport: Transport;
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  runStartedAt?: number;
  file: StagedFile;
  keeper?: VersionKeeper;
  /** This run's kept versions (state/kept-versions). */
  versions: { folder: string; runId: string };
  /** The results of every sync phase run so far (`sync-canaries`, `sync-<stage>`): who received the new file. */
  synced: readonly HostResult[];
  /** The stage whose checks failed; absent for the canaries. */
  stage?: string;
  /** --resume: the run resumed, whose record names the canaries it gave the new file. */
  resumedFrom?: string;
  /** Why the canaries are rolled back, for the notice; `canary checks failed` by default. */
  why?: string;
}

/** Why a canary is left out of the rollback, or undefined when it received the new file. */
function notReceived(result: HostResult | undefined): string | undefined {
  if (result?.outcome === 'ok') return result.note === 'unchanged' ? 'it had the new file before this run' : undefined;
  return 'it did not receive the new file';
}

export async function runPhase(
  phase: SyncPhase | RestartPhase,
  skip: Map<string, string>,
  task: HostTask,
  input: Pick<RevertInput, 'report' | 'stop' | 'kill' | 'runStartedAt'>,
): Promise<PhaseRun> {
  const started = performance.now();
  input.report({ type: 'phase-start', phase: phase.name, hosts: phase.hosts.length });
  const outcome = await rollPhase(phase, skip, task, input);
  const run: PhaseRun = { phase, reached: true, durationMs: performance.now() - started, results: outcome.results, checks: [] };
  input.report({ type: 'phase-end', phase: phase.name, durationMs: run.durationMs, counts: countResults(phase.hosts.length, outcome.results), notes: [] });
  return run;
}

/**
 * Roll back the hosts synced so far (the canaries, and the stages before failed checks) that received the new file: `rollback-sync` puts back what each
 * had (or removes the file where there was none), only where the file is still what this
 * run wrote; `rollback-restart` restarts the hosts rolled back, a second time.
 */
export async function revertCanaries(input: RevertInput): Promise<PhaseRun[]> {
  const { plan, file } = input;
  const after = { sha256: sha256(file.content), mode: file.mode & 0o7777 };
  const syncSkip = new Map<string, string>();
  const versions = new Map<string, HostVersion>();
  const notKept = new Set<string>();
  // A canary done in the resumed run got the new file there: that run's record says what it had.
  const earlier = input.resumedFrom !== undefined ? (readRunVersions(input.versions.folder, input.resumedFrom, () => undefined) ?? []) : [];
  for (const host of plan.sync.hosts) {
    const resumed = earlier.find((version) => version.host === host && version.path === file.destination && version.after?.sha256 === after.sha256);
    const why = notReceived(input.synced.find((result) => result.host === host));
    if (resumed !== undefined && input.synced.find((result) => result.host === host)?.outcome === 'skipped') versions.set(host, resumed);
    else if (why !== undefined) syncSkip.set(host, why);
    else {
      const before = input.keeper?.before(host);
      if (before === undefined) notKept.add(host);
      else versions.set(host, { host, path: file.destination, before, after });
    }
  }
  const restore = restoreTask(input.transport, { runId: input.versions.runId, folder: input.versions.folder, versions });
  const task: HostTask = async (host, context) => {
    if (notKept.has(host)) throw new Error('its old file was not kept: cannot put it back (it keeps the new file)');
    return restore(host, context);
  };
  const received = plan.sync.hosts.length - syncSkip.size;
  input.report({
    type: 'notice',
    level: 'warn',
    text:
      input.why !== undefined
        ? `${input.why}: rolling back ${file.relativePath} on ${received} ${received === 1 ? 'host' : 'hosts'}`
        : input.stage === undefined
          ? `canary checks failed: rolling back ${file.relativePath} on ${received} ${received === 1 ? 'canary' : 'canaries'}`
          : `checks of stage ${input.stage} failed: rolling back ${file.relativePath} on ${received} ${received === 1 ? 'host' : 'hosts'}`,
  });
  const synced = await runPhase(plan.sync, syncSkip, task, input);
  if (!plan.restart) return [synced];
  const rolledBack = new Set(synced.results.filter((result) => result.outcome === 'ok').map((result) => result.host));
  const restartSkip = new Map(plan.restart.skip);
  for (const host of plan.restart.hosts) if (!restartSkip.has(host) && !rolledBack.has(host)) restartSkip.set(host, 'not rolled back');
  const restarted = await runPhase(plan.restart, restartSkip, restartTask(input.transport, plan.restart, input.report), input);
  return [synced, restarted];
}
