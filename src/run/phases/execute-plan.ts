import { takeBaselines } from '../../checks/run-checks.js';
import type { Baselines } from '../../checks/types.js';
import type { PauseReport, Reporter } from '../../model/run.js';
import { countResults } from '../../rollout/counts.js';
import type { HostResult, HostTask, RolloutEvent } from '../../rollout/types.js';
import type { ResumePoint } from '../../state/journal.js';
import { poolCountsLine, poolProgress } from '../plan/pools.js';
import type { CheckPhase, Phase, Plan, RestartPhase, SyncPhase } from '../plan/types.js';
import { rollPhase } from './host-phase.js';
import { requireFile, restartTask, syncTask } from './host-tasks.js';
import { checkCounts, type CanaryStage, type ExecutionResult, type PhaseRun, type PlanRun, type RunStop } from './phase-run.js';
import { proxySyncTask, type FileSource } from './proxy-sync-task.js';
import { restoreTask, type Restore } from './restore-task.js';
import { pauseAfter, type PauseRun } from './pause-after.js';
import { type TreeProxies, treeSyncTask } from './tree-sync-task.js';
import { treeRestoreTask } from './tree-restore-task.js';

/** Seconds a target's rsync may wait on a proxy before it tries the next one. */
const PROXY_PULL_TIMEOUT_SECONDS = 60;

export interface ExecuteOptions extends PlanRun, Pick<PauseRun, 'pause'> {
  /** rollback: sync phases put back what this run replaced, host by host. */
  restore?: Restore;
  /** The check phase: the canary checks, what to do when they fail, and the canaries' revert. */
  canaryStage: CanaryStage;
}

/** What the phases run so far tell the next ones, and how the run stands. */
interface Progress {
  runs: PhaseRun[];
  stoppedBy?: RunStop;
  canaryFailure?: ExecutionResult['canaryFailure'];
  /** The step whose failed checks stopped the run. */
  failedChecks?: string;
  ignoredChecks: string[];
  /** Pools halted by pool_failure_limit. */
  halted: string[];
  syncFailed: Set<string>;
  /** rollback: hosts whose file the restore left alone. */
  notRestored: Set<string>;
  restarted: Set<string>;
  failedProxies: Set<string>;
  sources: Map<string, FileSource>;
  pauses: PauseReport[];
  pauseRolledBack?: boolean;
}

/**
 * Run a plan's phases in order. A host is restarted at most once; a host whose sync failed
 * (or that a rollback's restore left alone) is skipped in the restart phase; failed canary
 * checks (after their rollback, when that is the action), the failure limit or an interrupt
 * stop the run, and every phase not reached is reported with its hosts not started.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecutionResult> {
  const progress: Progress = {
    runs: [],
    ignoredChecks: [],
    halted: [],
    syncFailed: new Set(),
    notRestored: new Set(),
    restarted: new Set(),
    failedProxies: new Set(),
    sources: new Map(),
    pauses: [],
  };
  const baselines = await takeCheckBaselines(options.plan, options.stop);
  for (const phase of options.plan.phases) {
    if (progress.stoppedBy === undefined && options.stop.aborted) progress.stoppedBy = 'interrupt';
    if (progress.stoppedBy !== undefined) progress.runs.push(notReached(phase, notReachedWhy(progress)));
    else if (phase.kind === 'check') await runCheckPhase(phase, baselines, options, progress);
    else await runHostPhase(phase, options, progress);
    // The end of a stage marked `pause`, reached with nothing stopping the run: wait for promote or abort.
    if (phase.pause && progress.stoppedBy === undefined && !options.stop.aborted) await pauseAfter(phase, options, progress);
  }
  return executionResult(options.plan, progress);
}

/** max_ratio compares with the query's value now, before any host is touched: every check phase's, canaries' and stages'. */
async function takeCheckBaselines(plan: Plan, stop: AbortSignal): Promise<Baselines> {
  const baselines = new Map<string, number | undefined>();
  for (const phase of plan.phases) {
    if (phase.kind !== 'check' || phase.skipChecks) continue;
    for (const [query, value] of await takeBaselines(phase.checks, phase.timeoutMs, stop)) if (!baselines.has(query)) baselines.set(query, value);
  }
  return baselines;
}

function notReachedWhy(progress: Progress): string {
  if (progress.stoppedBy === 'interrupt') return 'run interrupted';
  if (progress.stoppedBy === 'pause') return progress.pauseRolledBack ? 'rolled back while paused' : 'run aborted while paused';
  if (progress.canaryFailure !== 'rollback') return 'run aborted';
  return progress.failedChecks === undefined || progress.failedChecks === 'canaries'
    ? 'canaries rolled back'
    : `rolled back: checks of stage ${progress.failedChecks} failed`;
}

export function notReached(phase: Phase, why: string): PhaseRun {
  const results: HostResult[] =
    phase.kind === 'check'
      ? []
      : phase.hosts.map((host) => {
          const reason = phase.skip.get(host);
          return reason !== undefined
            ? { host, phase: phase.name, outcome: 'skipped', error: reason }
            : { host, phase: phase.name, outcome: 'not-started', error: why };
        });
  return { phase, reached: false, durationMs: 0, results, checks: [] };
}

/** The checks of the canaries or a stage; when they fail, the decision, then (rollback) every host synced so far reverted. */
async function runCheckPhase(phase: CheckPhase, baselines: Baselines, options: ExecuteOptions, progress: Progress): Promise<void> {
  const started = performance.now();
  options.report({ type: 'phase-start', phase: phase.name, hosts: phase.checks.length });
  const { checks, decision } = await options.canaryStage.check(phase, baselines);
  if (decision === 'interrupt') progress.stoppedBy = 'interrupt';
  else if (decision === 'rollback' || decision === 'abort') {
    progress.stoppedBy = 'canary-checks';
    progress.failedChecks = phase.stage;
  }
  if (decision === 'ignored' || decision === 'rollback' || decision === 'abort') progress.canaryFailure = decision;
  if (decision === 'ignored') progress.ignoredChecks.push(phase.name);
  const run: PhaseRun = { phase, reached: true, durationMs: performance.now() - started, results: [], checks };
  options.report({ type: 'phase-end', phase: phase.name, durationMs: run.durationMs, counts: checkCounts(phase, checks, true), notes: [] });
  const reverted = decision === 'rollback' ? await options.canaryStage.revert(phase, progress.runs) : [];
  progress.runs.push(run, ...reverted);
}

/** A sync or restart phase through the engine, each host's task chosen by the phase and the run. */
async function runHostPhase(phase: SyncPhase | RestartPhase, options: ExecuteOptions, progress: Progress): Promise<void> {
  const { report } = options;
  const started = performance.now();
  report({ type: 'phase-start', phase: phase.name, hosts: phase.hosts.length });
  const skip = hostsToSkip(phase, options.resume, progress);
  const outcome = await rollPhase(phase, skip, hostTask(phase, options, progress), options, poolNotices(phase, report));
  progress.halted.push(...(outcome.haltedPools ?? []));
  if (phase.kind === 'restart' && phase.pools) report({ type: 'notice', level: 'info', text: poolCountsLine(phase.name, phase.pools, outcome.results) });
  remember(phase, outcome.results, skip, options.restore !== undefined, progress);
  if (outcome.stoppedBy) progress.stoppedBy = outcome.stoppedBy;
  const run: PhaseRun = { phase, reached: true, durationMs: performance.now() - started, results: outcome.results, checks: [] };
  const unchanged = outcome.results.filter((result) => result.note === 'unchanged').length;
  report({
    type: 'phase-end',
    phase: phase.name,
    durationMs: run.durationMs,
    counts: countResults(phase.hosts.length, outcome.results),
    notes: unchanged > 0 ? [`${unchanged} already up to date`] : [],
  });
  progress.runs.push(run);
}

/** The phase's own skips, hosts done in the resumed run, and (restart) hosts an earlier phase rules out. */
function hostsToSkip(phase: SyncPhase | RestartPhase, resume: ResumePoint | undefined, progress: Progress): Map<string, string> {
  const skip = new Map(phase.skip);
  for (const host of resume?.done.get(phase.name) ?? []) skip.set(host, `done in run ${resume?.id}`);
  if (phase.kind !== 'restart') return skip;
  for (const host of phase.hosts) {
    if (skip.has(host)) continue;
    if (progress.syncFailed.has(host)) skip.set(host, 'its sync failed');
    else if (progress.notRestored.has(host)) skip.set(host, 'its file was not put back');
    else if (progress.restarted.has(host)) skip.set(host, 'already restarted in this run');
  }
  return skip;
}

/** What each host does: restart; or put back its old file (rollback); or pull from a proxy; or receive the staged file. */
function hostTask(phase: SyncPhase | RestartPhase, options: ExecuteOptions, progress: Progress): HostTask {
  const { transport, keeper } = options;
  if (phase.kind === 'restart') return restartTask(transport, phase, options.report, options.treeSync);
  if (options.restore?.trees) return treeRestoreTask(transport, { ...options.restore, versions: options.restore.trees });
  if (options.restore) return restoreTask(transport, options.restore, keeper);
  if (options.treeSync) return treeSyncTask(transport, options.treeSync, treeProxies(phase, progress));
  const file = requireFile(options.file);
  if (!phase.proxies) return syncTask(transport, file, keeper);
  const { failedProxies, sources } = progress;
  return proxySyncTask(transport, file, {
    ...phase.proxies,
    timeoutSeconds: PROXY_PULL_TIMEOUT_SECONDS,
    failedProxies,
    sources,
    ...(keeper ? { keeper } : {}),
  });
}

/** With sync_proxies: how targets of a tree run reach their proxies (the proxies themselves get a plain copy). */
function treeProxies(phase: SyncPhase, progress: Progress): TreeProxies | undefined {
  if (phase.name === 'sync-proxies') return { proxy: true };
  if (!phase.proxies) return undefined;
  const { failedProxies, sources } = progress;
  return { proxy: false, pull: { ...phase.proxies, timeoutSeconds: PROXY_PULL_TIMEOUT_SECONDS, failedProxies, sources } };
}

/** With pools (restart phases): progress per pool, and a warning when a pool is halted. */
function poolNotices(phase: SyncPhase | RestartPhase, report: Reporter): (event: RolloutEvent) => void {
  const onPoolHostEnd =
    phase.kind === 'restart' && phase.pools ? poolProgress(phase.name, phase.pools, (text) => report({ type: 'notice', level: 'info', text })) : undefined;
  return (event) => {
    if (event.type === 'host-end') onPoolHostEnd?.(event.result);
    if (event.type === 'pool-halted') {
      const { pool, failed, limit } = event;
      report({
        type: 'notice',
        level: 'warn',
        text: `pool_failure_limit reached in pool ${pool} (${event.phase}): ${failed} hosts failed, ${limit} tolerated; no new host of pool ${pool} will start`,
      });
    }
  };
}

/** What later phases must know of this one's hosts: failed proxies and syncs, restores left alone, restarts done. */
function remember(
  phase: SyncPhase | RestartPhase,
  results: readonly HostResult[],
  skip: ReadonlyMap<string, string>,
  restoring: boolean,
  progress: Progress,
): void {
  for (const result of results) {
    if (phase.name === 'sync-proxies' && result.outcome === 'failed') progress.failedProxies.add(result.host);
    else if (phase.kind === 'sync' && result.outcome === 'failed') progress.syncFailed.add(result.host);
    // A host a restore left alone (changed since, or not changed by, the run) is not restarted either.
    else if (phase.kind === 'sync' && result.outcome === 'skipped' && restoring && !skip.has(result.host)) progress.notRestored.add(result.host);
    if (phase.kind === 'restart' && (result.outcome === 'ok' || result.outcome === 'warning' || result.outcome === 'failed'))
      progress.restarted.add(result.host);
  }
}

function executionResult(plan: Plan, progress: Progress): ExecutionResult {
  const { runs: phases, stoppedBy, halted, sources, canaryFailure, failedChecks, ignoredChecks, pauses, pauseRolledBack } = progress;
  return {
    phases,
    ...(failedChecks !== undefined ? { failedChecks } : {}),
    ...(ignoredChecks.length > 0 ? { ignoredChecks } : {}),
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
    ...(plan.pools ? { pools: { of: plan.pools, halted } } : {}),
    ...(sources.size > 0 ? { sources } : {}),
    ...(canaryFailure ? { canaryFailure } : {}),
    ...(pauses.length > 0 ? { pauses } : {}),
    ...(pauseRolledBack ? { pauseRolledBack } : {}),
  };
}
