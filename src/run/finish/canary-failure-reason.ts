import type { RunReport } from '../../model/run.js';
import type { ExecutionResult } from '../phases/phase-run.js';

/** Hosts ok in a phase, in the report's order. */
function okIn(report: RunReport, phase: string): string[] {
  return report.hosts.filter((host) => host.phase === phase && host.outcome === 'ok').map((host) => host.host);
}

/**
 * Why a run stopped at its canary checks, for the last line: rolled back (and where the
 * rollback could not put the old file back), or aborted, naming the hosts that keep the
 * new file. php-fpm-restart has no file: no other host was touched.
 */
export function canaryFailureReason(execution: ExecutionResult, report: RunReport): string {
  if (report.command === 'php-fpm-restart' || execution.canaryFailure === undefined) return 'canary checks failed; no other host was touched';
  if (execution.canaryFailure === 'rollback') {
    const left = report.hosts
      .filter((host) => host.phase === 'rollback-sync' && (host.outcome === 'failed' || host.outcome === 'not-started'))
      .map((host) => host.host);
    return left.length === 0
      ? 'canary checks failed'
      : `canary checks failed; not rolled back: ${left.join(', ')} (${left.length === 1 ? 'keeps' : 'keep'} the new file)`;
  }
  const keepNew = okIn(report, 'sync-canaries');
  if (keepNew.length === 0) return 'canary checks failed; no host has the new file';
  return `canary checks failed; ${keepNew.join(', ')} ${keepNew.length === 1 ? 'keeps' : 'keep'} the new ${report.path ?? 'stage'} (not rolled back)`;
}
