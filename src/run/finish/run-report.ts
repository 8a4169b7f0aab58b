import type { PhaseReport, RunReport, RunStatus } from '../../model/run.js';
import { countResults } from '../../rollout/counts.js';
import { checkCounts, type ExecutionResult, type PhaseRun } from '../phases/phase-run.js';

import { EXIT } from '../../exit-codes.js';

function phaseReport(run: PhaseRun): PhaseReport {
  const durationMs = Math.round(run.durationMs);
  const counts = run.phase.kind === 'check' ? checkCounts(run.phase, run.checks, run.reached) : countResults(run.results.length, run.results);
  return {
    name: run.phase.name,
    durationMs,
    ok: counts.ok,
    warning: counts.warning,
    failed: counts.failed,
    skipped: counts.skipped,
    notStarted: counts.notStarted,
  };
}

export function runStatus(execution: ExecutionResult, phases: PhaseReport[]): RunStatus {
  if (execution.stoppedBy === 'interrupt') return 'interrupted';
  if (execution.stoppedBy === 'canary-checks' && execution.canaryFailure === 'rollback') return 'rolled-back';
  if (execution.stoppedBy === 'pause' && execution.pauseRolledBack) return 'rolled-back';
  if (execution.stoppedBy === 'lint') return 'failed';
  if (execution.stoppedBy !== undefined) return 'aborted';
  // Failed checks the deployer chose to ignore are a warning, not a failure.
  const ignoredPhases = execution.ignoredChecks ?? (execution.canaryFailure === 'ignored' ? ['check-canaries'] : []);
  const ignored = ignoredPhases.length > 0;
  const counted = phases.filter((phase) => !ignoredPhases.includes(phase.name));
  if (counted.some((phase) => phase.failed > 0)) return 'failed';
  if (ignored || counted.some((phase) => phase.warning > 0)) return 'warnings';
  return 'success';
}

export function exitCodeFor(status: RunStatus): number {
  if (status === 'interrupted') return EXIT.interrupted;
  return status === 'success' || status === 'warnings' ? EXIT.ok : EXIT.failed;
}

function poolList(pools: NonNullable<ExecutionResult['pools']>): NonNullable<RunReport['pools']> {
  const members = new Map<string, string[]>();
  for (const [host, pool] of pools.of) members.set(pool, [...(members.get(pool) ?? []), host]);
  return [...members].map(([name, hosts]) => ({ name, hosts, halted: pools.halted.includes(name) }));
}

export interface ReportInput {
  command: string;
  path?: string;
  message: string;
  startedAt: Date;
  durationMs: number;
  execution: ExecutionResult;
  /** A signal arrived during the run, even if nothing was left to stop. */
  interrupted: boolean;
  /** A tree run: its files and bytes. */
  tree?: { files: number; bytes: number };
}

/** The JSON report of a run, as SPEC.md gives it. */
export function buildRunReport(input: ReportInput): RunReport {
  const phases = input.execution.phases.map(phaseReport);
  const status = input.interrupted ? 'interrupted' : runStatus(input.execution, phases);
  const poolOf = input.execution.pools?.of;
  const sources = input.execution.sources;
  const checks = input.execution.phases.flatMap((run) =>
    run.checks.map(({ check, ok, detail }) => ({ check: check.command, ...(check.host !== undefined ? { host: check.host } : {}), ok, detail })),
  );
  const hosts = input.execution.phases.flatMap((run) =>
    run.results.map(({ note: _note, transfer, ...result }) => ({
      ...result,
      ...(transfer ? { changed: transfer.changed, removed: transfer.removed, bytesSent: transfer.bytesSent } : {}),
      ...(result.startMs !== undefined ? { startMs: Math.round(result.startMs) } : {}),
      ...(result.durationMs !== undefined ? { durationMs: Math.round(result.durationMs) } : {}),
      ...(poolOf ? { pool: poolOf.get(result.host) ?? 'default' } : {}),
      ...(run.phase.kind === 'sync' && run.phase.proxies && sources?.has(result.host) ? { source: sources.get(result.host) } : {}),
    })),
  );
  return {
    command: input.command,
    ...(input.path !== undefined ? { path: input.path } : {}),
    message: input.message,
    status,
    exitCode: exitCodeFor(status),
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    phases,
    hosts,
    ...(input.tree ? { tree: input.tree } : {}),
    ...(input.execution.pools ? { pools: poolList(input.execution.pools) } : {}),
    ...(checks.length > 0 ? { checks } : {}),
    ...(input.execution.pauses ? { pauses: input.execution.pauses } : {}),
  };
}
