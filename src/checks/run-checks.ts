import { formatSeconds } from '../lib/duration.js';
import { oneLine, visible } from '../lib/text.js';
import { runHttpCheck } from './http-check.js';
import { judgeValue, queryValue } from './prometheus-check.js';
import { runShellCheck } from './shell-check.js';
import type { Baselines, CanaryCheck, CheckResult } from './types.js';

export interface RunChecksOptions {
  canaries: readonly string[];
  /** More for shell checks (a stage's DEPLOY_STAGE, DEPLOY_STAGE_HOSTS). */
  env?: Readonly<Record<string, string>>;
  cwd: string;
  timeoutMs: number;
  /** Aborts every check (interrupt). */
  signal: AbortSignal;
  baselines?: Baselines;
  onResult?: (result: CheckResult) => void;
}

async function runOne(check: CanaryCheck, options: RunChecksOptions, signal: AbortSignal): Promise<Omit<CheckResult, 'check' | 'durationMs'>> {
  const { spec } = check;
  if (typeof spec === 'string') return runShellCheck(spec, check.host, { DEPLOY_CANARIES: options.canaries.join(','), ...options.env }, options.cwd, signal);
  if ('http' in spec) return runHttpCheck(spec.http, spec, signal);
  const value = await queryValue(spec.prometheus, spec.query, signal);
  return judgeValue(value, { max: spec.max, maxRatio: spec.max_ratio, baseline: options.baselines?.get(spec.query) });
}

/**
 * Run the canary checks on this machine, one after the other, each within the timeout. A check
 * that throws (unreachable server, error answer, timeout) fails with the reason; it never passes.
 */
export async function runCanaryChecks(checks: readonly CanaryCheck[], options: RunChecksOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (options.signal.aborted) break;
    const started = performance.now();
    const timeout = AbortSignal.timeout(Math.max(1, options.timeoutMs));
    const signal = AbortSignal.any([options.signal, timeout]);
    let result: CheckResult;
    try {
      result = { check, ...(await runOne(check, options, signal)), durationMs: performance.now() - started };
    } catch (error) {
      const why = timeout.aborted
        ? `timed out after ${formatSeconds(options.timeoutMs)}`
        : options.signal.aborted
          ? 'interrupted'
          : visible(oneLine(errorText(error)));
      result = { check, ok: false, detail: why, error: why, durationMs: performance.now() - started };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

/** The baseline of every prometheus check with max_ratio; a query that fails has none (its check then fails). */
export async function takeBaselines(checks: readonly CanaryCheck[], timeoutMs: number, signal: AbortSignal): Promise<Map<string, number | undefined>> {
  const baselines = new Map<string, number | undefined>();
  for (const { spec } of checks) {
    if (typeof spec === 'string' || !('prometheus' in spec) || spec.max_ratio === undefined) continue;
    const value = await queryValue(spec.prometheus, spec.query, AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, timeoutMs))])).catch(() => undefined);
    baselines.set(spec.query, value);
  }
  return baselines;
}
