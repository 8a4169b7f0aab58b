import { plural } from '../../lib/text.js';
import type { RunReport } from '../../model/run.js';
import type { ExecutionResult } from '../phases/phase-run.js';
import { canaryFailureReason } from './canary-failure-reason.js';
import { pauseReason } from './pause-reason.js';

/** Hosts (each counted once, whatever the phases) with that outcome somewhere in the run. */
function hostsWith(report: RunReport, outcome: string): Set<string> {
  return new Set(report.hosts.filter((host) => host.outcome === outcome).map((host) => host.host));
}

/** Why a run did not succeed, for its last line; undefined when it did. */
export function failureReason(execution: ExecutionResult, report: RunReport): string | undefined {
  const failed = hostsWith(report, 'failed');
  // A host not started in two phases is one host not started; a failed host is counted as failed.
  const notStarted = [...hostsWith(report, 'not-started')].filter((host) => !failed.has(host)).length;
  switch (execution.stoppedBy) {
    case 'canary-checks':
      return canaryFailureReason(execution, report);
    case 'failure-limit': {
      const phase = [...execution.phases].reverse().find((run) => run.reached);
      return `failure_limit reached in ${phase?.phase.name}: ${plural(failed.size, 'host')} failed, ${notStarted} not started`;
    }
    case 'pool-failure-limit': {
      const halted = execution.pools?.halted ?? [];
      const pools = `pool${halted.length === 1 ? '' : 's'} ${halted.join(', ')}`;
      return `pool_failure_limit reached: ${pools} halted; ${plural(failed.size, 'host')} failed, ${notStarted} not started`;
    }
    case 'pause':
      return pauseReason(execution, report);
    case 'lint':
      return `lint: ${execution.lintFailure?.file}: ${execution.lintFailure?.message}`;
    case 'interrupt':
      return `interrupted by a signal: ${plural(notStarted, 'host')} not started`;
    default:
      if (report.status === 'interrupted') return 'interrupted by a signal';
      return failed.size > 0 ? `${plural(failed.size, 'host')} failed` : undefined;
  }
}
