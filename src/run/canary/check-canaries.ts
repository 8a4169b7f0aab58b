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

/** `canary checks`, or `checks of stage <name>`. */
export function checksLabel(phase: CheckPhase): string {
  return phase.stage === 'canaries' ? 'canary checks' : `checks of stage ${phase.stage}`;
}

/** Wait (canary_wait_time, or the stage's wait), then run every check once, reporting each outcome. */
export async function runChecks(phase: CheckPhase, options: CheckRunOptions, baselines: Baselines): Promise<{ checks: CheckResult[]; passed: boolean }> {
  const { report } = options;
  const canaries = phase.stage === 'canaries';
  if (phase.skipChecks) {
    report({ type: 'notice', level: 'warn', text: `--force: skipping ${checksLabel(phase)} (${phase.checks.length} configured) and the wait before them` });
    return { checks: [], passed: true };
  }
  // The canaries wait only for checks; a stage's wait is a soak of its own.
  if (phase.checks.length === 0 && canaries) {
    report({ type: 'notice', level: 'info', text: 'no canary_checks configured: nothing to check' });
    return { checks: [], passed: true };
  }
  if (phase.waitMs > 0) {
    const whom = canaries ? 'the canaries' : `stage ${phase.stage}`;
    report({ type: 'notice', level: 'info', text: `Waiting ${formatSeconds(phase.waitMs)} for ${whom} before checking ${canaries ? 'them' : 'it'}` });
    await sleep(phase.waitMs, undefined, { signal: options.stop }).catch(() => undefined);
  }
  if (phase.checks.length === 0) {
    report({ type: 'notice', level: 'info', text: `stage ${phase.stage} has no checks: nothing to check` });
    return { checks: [], passed: true };
  }
  const checks = await runCanaryChecks(phase.checks, {
    canaries: phase.hosts,
    env: phase.env,
    cwd: options.cwd,
    timeoutMs: phase.timeoutMs,
    signal: options.stop,
    baselines,
    onResult: (result) =>
      report({
        type: 'check-result',
        ...(canaries ? {} : { stage: phase.stage }),
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
      ...(phase.stage !== 'canaries' ? { stage: phase.stage } : {}),
      stop: options.stop,
      report: options.report,
    },
    first.checks,
  );
}
