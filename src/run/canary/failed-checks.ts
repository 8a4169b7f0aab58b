import type { Reporter } from '../../model/run.js';
import type { CheckResult } from '../../checks/types.js';
import type { CheckDecision } from '../phases/phase-run.js';
import type { CanaryFailureAction } from '../plan/types.js';
import type { CanaryFailureAnswer, CanaryFailureAsker } from '../prepare/deploy-options.js';

export interface FailedChecksInput {
  /** `canary_failure_action`. */
  action: CanaryFailureAction;
  /** Only on a terminal: without it the action is taken as configured. */
  ask?: CanaryFailureAsker;
  /** Run the checks again (no wait). */
  recheck: () => Promise<{ checks: CheckResult[]; passed: boolean }>;
  stop: AbortSignal;
  report: Reporter;
  /** The stage whose checks failed; absent for the canaries. */
  stage?: string;
}

/**
 * After the canary checks failed: take the configured action or, on a terminal, ask: retry
 * the checks (asking again while they fail), ignore them and go on, roll back, or exit
 * without rollback. Returns the decision and the checks of the last round run.
 */
export async function decideOnFailedChecks(input: FailedChecksInput, failed: CheckResult[]): Promise<{ decision: CheckDecision; checks: CheckResult[] }> {
  let checks = failed;
  if (!input.ask) return { decision: input.action, checks };
  const label = input.stage === undefined ? 'canary checks' : `checks of stage ${input.stage}`;
  for (;;) {
    let answer: CanaryFailureAnswer;
    try {
      answer = await input.ask(input.action, input.stop, input.stage);
    } catch (error) {
      if (input.stop.aborted) return { decision: 'interrupt', checks };
      throw error;
    }
    if (input.stop.aborted) return { decision: 'interrupt', checks };
    if (answer === 'rollback' || answer === 'abort') return { decision: answer, checks };
    if (answer === 'ignore') {
      input.report({ type: 'notice', level: 'warn', text: `${label} failed, ignored as asked: going on with the other hosts as if they had passed` });
      return { decision: 'ignored', checks };
    }
    input.report({ type: 'notice', level: 'info', text: `Running the ${label} again` });
    const again = await input.recheck();
    checks = again.checks;
    if (input.stop.aborted) return { decision: 'interrupt', checks };
    if (again.passed) return { decision: 'passed', checks };
  }
}
