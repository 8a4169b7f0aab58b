import { formatSeconds } from '../../lib/duration.js';
import type { RunReport } from '../../model/run.js';
import type { ExecutionResult } from '../phases/phase-run.js';

/** Hosts that got the new file from this run (ok in a sync phase that is not a rollback's), in the report's order. */
function keepNew(report: RunReport): string[] {
  const synced = report.hosts.filter((host) => /^sync-/.test(host.phase) && host.phase !== 'sync-proxies' && host.outcome === 'ok').map((host) => host.host);
  const putBack = new Set(report.hosts.filter((host) => host.phase === 'rollback-sync' && host.outcome === 'ok').map((host) => host.host));
  return [...new Set(synced)].filter((host) => !putBack.has(host));
}

/**
 * Why a paused run stopped, for its last line: `deploy abort` (naming who, and the hosts that
 * keep the new file), `deploy abort --rollback`, or pause_timeout with no answer.
 */
export function pauseReason(execution: ExecutionResult, report: RunReport): string {
  const pause = execution.pauses?.at(-1);
  const after = pause?.after ?? '?';
  const by = pause?.by !== undefined ? ` by ${pause.by}` : '';
  if (pause?.answer === 'timeout') return `pause_timeout (${formatSeconds(pause.durationMs)}) passed while paused after ${after}, with no deploy promote`;
  if (execution.pauseRolledBack) {
    const left = report.hosts
      .filter((host) => host.phase === 'rollback-sync' && (host.outcome === 'failed' || host.outcome === 'not-started'))
      .map((h) => h.host);
    const notBack = left.length > 0 ? `; not rolled back: ${left.join(', ')}` : '';
    return `deploy abort --rollback${by} while paused after ${after}${notBack}`;
  }
  const kept = report.path !== undefined ? keepNew(report) : [];
  const keeps = kept.length > 0 ? `; ${kept.join(', ')} ${kept.length === 1 ? 'keeps' : 'keep'} the new ${report.path} (not rolled back)` : '';
  return `deploy abort${by} while paused after ${after}${keeps}`;
}
