import type { Reporter } from '../../report/events.js';
import { countResults } from '../../restart/counts.js';
import type { HostResult, PhaseCounts, StopReason } from '../../restart/types.js';
import type { Transport } from '../../transport/types.js';
import { takeBaselines } from '../../checks/run-checks.js';
import type { CheckResult } from '../../checks/types.js';
import type { CheckPhase, Phase, Plan } from '../plan/plan.js';
import { poolCountsLine, poolProgress } from '../plan/pools.js';
import type { ResumePoint } from '../../state/journal.js';
import type { StagedFile } from '../prepare/stage-file.js';
import { proxySyncTask, type FileSource } from './proxy-sync-task.js';
import { requireFile, restartTask, syncTask } from './host-tasks.js';
import { rollPhase } from './host-phase.js';
import type { VersionKeeper } from './version-keeper.js';
import { restoreTask, type Restore } from './restore-task.js';
import { checkCanaries } from '../canary/check-canaries.js';
import type { CanaryFailureAsker } from '../canary/failed-checks.js';
import { rollBackCanaries } from '../canary/revert-canaries.js';

export interface PhaseRun {
  phase: Phase;
  /** False for phases the run never reached. */
  reached: boolean;
  durationMs: number;
  results: HostResult[];
  checks: CheckResult[];
}

export type RunStop = StopReason | 'canary-checks';

export interface ExecutionResult {
  phases: PhaseRun[];
  stoppedBy?: RunStop;
  /** With `pools`: every target's pool, and the pools halted by pool_failure_limit. */
  pools?: { of: Map<string, string>; halted: string[] };
  /** With `sync_proxies`: where each target's file came from (a proxy, or `direct`). */
  sources?: Map<string, FileSource>;
  /** The canary checks failed and the run went on (ignored), rolled back or aborted. */
  canaryFailure?: 'ignored' | 'rollback' | 'abort';
}

/** Seconds a target's rsync may wait on a proxy before it tries the next one. */
const PROXY_PULL_TIMEOUT_SECONDS = 60;

export interface ExecuteOptions {
  plan: Plan;
  transport: Transport;
  file?: StagedFile;
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  /** Where canary checks run. */
  cwd: string;
  /** --resume: per phase, hosts already done in the run being resumed (reported skipped). */
  resume?: ResumePoint;
  /** The run's start (Date.now clock): host results then carry `startMs` for the timeline. */
  runStartedAt?: number;
  /** Keeps what each host had before a sync phase replaced its file (sync-file, rollback). */
  keeper?: VersionKeeper;
  /** rollback: sync phases put back what this run replaced, host by host. */
  restore?: Restore;
  /** sync-file: this run's kept versions, for a rollback of failed canaries; `ask` only on a terminal. */
  canaryFailure?: { versions: { folder: string; runId: string }; ask?: CanaryFailureAsker };
}

/** A check phase's figures: each check command counts as one "host". */
export function checkCounts(phase: CheckPhase, checks: readonly CheckResult[], reached: boolean): PhaseCounts {
  const total = phase.checks.length;
  const ok = checks.filter((check) => check.ok).length;
  const failed = checks.length - ok;
  const skipped = reached && phase.skipChecks ? total : 0;
  return { total, ok, warning: 0, failed, skipped, notStarted: total - ok - failed - skipped, running: 0, left: 0 };
}

function notReached(phase: Phase, why: string): PhaseRun {
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

/**
 * Run a plan's phases in order. A host is restarted at most once; a host whose sync failed
 * (or that a rollback's restore left alone) is skipped in the restart phase; failed canary
 * checks (after their rollback, when that is the action), the failure limit or an interrupt
 * stop the run, and every phase not reached is reported with its hosts not started.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecutionResult> {
  const { plan, transport, report } = options;
  const runs: PhaseRun[] = [];
  const syncFailed = new Set<string>();
  const notRestored = new Set<string>();
  const restarted = new Set<string>();
  let stoppedBy: RunStop | undefined;
  const halted: string[] = [];
  let canaryFailure: ExecutionResult['canaryFailure'];
  let rolledBack: PhaseRun[] = [];
  const failedProxies = new Set<string>();
  const sources = new Map<string, FileSource>();
  const checkPhase = plan.phases.find((phase): phase is CheckPhase => phase.kind === 'check');
  // max_ratio compares with the query's value now, before any host is touched.
  const baselines = checkPhase && !checkPhase.skipChecks ? await takeBaselines(checkPhase.checks, checkPhase.timeoutMs, options.stop) : new Map();

  for (const phase of plan.phases) {
    if (stoppedBy === undefined && options.stop.aborted) stoppedBy = 'interrupt';
    if (stoppedBy !== undefined) {
      runs.push(notReached(phase, stoppedBy === 'interrupt' ? 'run interrupted' : canaryFailure === 'rollback' ? 'canaries rolled back' : 'run aborted'));
      continue;
    }
    const started = performance.now();
    report({ type: 'phase-start', phase: phase.name, hosts: phase.kind === 'check' ? phase.checks.length : phase.hosts.length });
    let run: PhaseRun;
    if (phase.kind === 'check') {
      const onFailure = plan.canaryFailure && options.canaryFailure ? { action: plan.canaryFailure.action, ...(options.canaryFailure.ask ? { ask: options.canaryFailure.ask } : {}) } : undefined;
      const { checks, decision } = await checkCanaries(phase, options, baselines, onFailure);
      if (decision !== 'passed') stoppedBy = decision === 'interrupt' ? 'interrupt' : decision === 'ignored' ? undefined : 'canary-checks';
      if (decision === 'ignored' || decision === 'rollback' || decision === 'abort') canaryFailure = decision;
      run = { phase, reached: true, durationMs: performance.now() - started, results: [], checks };
      report({ type: 'phase-end', phase: phase.name, durationMs: run.durationMs, counts: checkCounts(phase, checks, true), notes: [] });
      if (decision === 'rollback' && plan.canaryFailure && options.canaryFailure) {
        const synced = runs.find((done) => done.phase.name === 'sync-canaries')?.results ?? [];
        const { kill, stop, keeper, runStartedAt } = options;
        rolledBack = await rollBackCanaries({ plan: plan.canaryFailure, transport, report, stop, kill, file: requireFile(options.file), versions: options.canaryFailure.versions, synced, ...(keeper ? { keeper } : {}), ...(runStartedAt !== undefined ? { runStartedAt } : {}), ...(options.resume ? { resumedFrom: options.resume.id } : {}) });
      }
    } else {
      const skip = new Map(phase.skip);
      for (const host of options.resume?.done.get(phase.name) ?? []) skip.set(host, `done in run ${options.resume?.id}`);
      if (phase.kind === 'restart') {
        for (const host of phase.hosts) {
          if (skip.has(host)) continue;
          if (syncFailed.has(host)) skip.set(host, 'its sync failed');
          else if (notRestored.has(host)) skip.set(host, 'its file was not put back');
          else if (restarted.has(host)) skip.set(host, 'already restarted in this run');
        }
      }
      const task =
        phase.kind === 'restart'
          ? restartTask(transport, phase, report)
          : options.restore
            ? restoreTask(transport, options.restore, options.keeper)
            : phase.proxies
            ? proxySyncTask(transport, requireFile(options.file), { ...phase.proxies, timeoutSeconds: PROXY_PULL_TIMEOUT_SECONDS, failedProxies, sources, ...(options.keeper ? { keeper: options.keeper } : {}) })
            : syncTask(transport, requireFile(options.file), options.keeper);
      const onPoolHostEnd =
        phase.kind === 'restart' && phase.pools ? poolProgress(phase.name, phase.pools, (text) => report({ type: 'notice', level: 'info', text })) : undefined;
      const outcome = await rollPhase(phase, skip, task, options, (event) => {
        if (event.type === 'host-end') onPoolHostEnd?.(event.result);
        if (event.type === 'pool-halted') {
          report({ type: 'notice', level: 'warn', text: `pool_failure_limit reached in pool ${event.pool} (${event.phase}): ${event.failed} hosts failed, ${event.limit} tolerated; no new host of pool ${event.pool} will start` });
        }
      });
      halted.push(...(outcome.haltedPools ?? []));
      if (phase.kind === 'restart' && phase.pools) report({ type: 'notice', level: 'info', text: poolCountsLine(phase.name, phase.pools, outcome.results) });
      for (const result of outcome.results) {
        if (phase.name === 'sync-proxies' && result.outcome === 'failed') failedProxies.add(result.host);
        else if (phase.kind === 'sync' && result.outcome === 'failed') syncFailed.add(result.host);
        // A host a restore left alone (changed since, or not changed by, the run) is not restarted either.
        else if (phase.kind === 'sync' && result.outcome === 'skipped' && options.restore && !skip.has(result.host)) notRestored.add(result.host);
        if (phase.kind === 'restart' && (result.outcome === 'ok' || result.outcome === 'warning' || result.outcome === 'failed')) {
          restarted.add(result.host);
        }
      }
      if (outcome.stoppedBy) stoppedBy = outcome.stoppedBy;
      run = { phase, reached: true, durationMs: performance.now() - started, results: outcome.results, checks: [] };
      const unchanged = outcome.results.filter((result) => result.note === 'unchanged').length;
      report({
        type: 'phase-end',
        phase: phase.name,
        durationMs: run.durationMs,
        counts: countResults(phase.hosts.length, outcome.results),
        notes: unchanged > 0 ? [`${unchanged} already up to date`] : [],
      });
    }
    runs.push(run, ...rolledBack.splice(0));
  }
  return {
    phases: runs,
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
    ...(plan.pools ? { pools: { of: plan.pools, halted } } : {}),
    ...(sources.size > 0 ? { sources } : {}),
    ...(canaryFailure ? { canaryFailure } : {}),
  };
}
