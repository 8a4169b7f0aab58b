import type { RunReport } from '../../model/run.js';
import type { ExecutionResult } from '../phases/phase-run.js';

/** Hosts ok in a target sync phase run before the failed checks (the canaries', the stages'), in the report's order. */
function syncedOk(report: RunReport): string[] {
  return report.hosts.filter((host) => host.phase.startsWith('sync-') && host.phase !== 'sync-proxies' && host.outcome === 'ok').map((host) => host.host);
}

/**
 * Why a run stopped at its canary checks, for the last line: rolled back (and where the
 * rollback could not put the old file back), or aborted, naming the hosts that keep the
 * new file. php-fpm-restart has no file: no other host was touched.
 */
export function canaryFailureReason(execution: ExecutionResult, report: RunReport): string {
  const stage = execution.failedChecks;
  const failed = stage === undefined || stage === 'canaries' ? 'canary checks failed' : `checks of stage ${stage} failed`;
  if (report.command === 'php-fpm-restart' || execution.canaryFailure === undefined)
    return stage === undefined || stage === 'canaries' ? `${failed}; no other host was touched` : `${failed}; no later host was touched`;
  if (execution.canaryFailure === 'rollback') {
    const left = report.hosts
      .filter((host) => host.phase === 'rollback-sync' && (host.outcome === 'failed' || host.outcome === 'not-started'))
      .map((host) => host.host);
    return left.length === 0 ? failed : `${failed}; not rolled back: ${left.join(', ')} (${left.length === 1 ? 'keeps' : 'keep'} the new file)`;
  }
  const keepNew = syncedOk(report);
  if (keepNew.length === 0) return `${failed}; no host has the new file`;
  return `${failed}; ${keepNew.join(', ')} ${keepNew.length === 1 ? 'keeps' : 'keep'} the new ${report.path ?? 'stage'} (not rolled back)`;
}
