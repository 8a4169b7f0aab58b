import { setTimeout as sleep } from 'node:timers/promises';
import { runCanaryChecks } from '../../checks/run-checks.js';
import type { Baselines, CheckResult } from '../../checks/types.js';
import { formatSeconds } from '../../lib/duration.js';
import type { Reporter } from '../../model/run.js';
import type { CheckDecision } from '../phases/phase-run.js';
import type { CanaryFailureAsker } from '../prepare/deploy-options.js';
import { decideOnFailedChecks } from './failed-checks.js';
import type { CanaryFailureAction, CheckPhase } from '../plan/types.js';

export interface CheckRunOptions {
  report: Reporter;
  stop: AbortSignal;
  /** Where canary checks run. */
  cwd: string;
}

/** Wait canary_wait_time, then run every check once, reporting each outcome. */
export async function runChecks(phase: CheckPhase, options: CheckRunOptions, baselines: Baselines): Promise<{ checks: CheckResult[]; passed: boolean }> {
  const { report } = options;
  if (phase.skipChecks) {
    report({ type: 'notice', level: 'warn', text: `--force: skipping canary checks (${phase.checks.length} configured) and the wait before them` });
    return { checks: [], passed: true };
  }
  if (phase.checks.length === 0) {
    report({ type: 'notice', level: 'info', text: 'no canary_checks configured: nothing to check' });
    return { checks: [], passed: true };
  }
  if (phase.waitMs > 0) {
    report({ type: 'notice', level: 'info', text: `Waiting ${formatSeconds(phase.waitMs)} for the canaries before checking them` });
    await sleep(phase.waitMs, undefined, { signal: options.stop }).catch(() => undefined);
  }
  const checks = await runCanaryChecks(phase.checks, {
    canaries: phase.canaries,
    cwd: options.cwd,
    timeoutMs: phase.timeoutMs,
    signal: options.stop,
    baselines,
    onResult: (result) =>
      report({
        type: 'check-result',
        command: result.check.command,
        ...(result.check.host !== undefined ? { host: result.check.host } : {}),
        ok: result.ok,
        detail: result.detail,
        ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
        output: result.output ?? '',
        ...(result.error ? { error: result.error } : {}),
      }),
  });
  return { checks, passed: checks.length === phase.checks.length && checks.every((check) => check.ok) };
}

/** With a failure action (sync-file): what to do when the checks fail, and who may ask. */
export interface OnCheckFailure {
  action: CanaryFailureAction;
  ask?: CanaryFailureAsker;
}

/**
 * The check phase: run the checks; when they fail, decide (configured action, or the
 * deployer's answer on a terminal, retries included). Without `onFailure`, a failure aborts.
 */
export async function checkCanaries(
  phase: CheckPhase,
  options: CheckRunOptions,
  baselines: Baselines,
  onFailure?: OnCheckFailure,
): Promise<{ checks: CheckResult[]; decision: CheckDecision }> {
  const first = await runChecks(phase, options, baselines);
  if (first.passed) return { checks: first.checks, decision: 'passed' };
  if (options.stop.aborted) return { checks: first.checks, decision: 'interrupt' };
  if (!onFailure) return { checks: first.checks, decision: 'abort' };
  return decideOnFailedChecks(
    {
      action: onFailure.action,
      ...(onFailure.ask ? { ask: onFailure.ask } : {}),
      recheck: () => runChecks({ ...phase, waitMs: 0 }, options, baselines),
      stop: options.stop,
      report: options.report,
    },
    first.checks,
  );
}
