import { formatSeconds } from '../lib/duration.js';
import { runLocalProcess } from '../transport/local-process.js';
import type { CanaryCheck } from './plan.js';

export interface CheckResult {
  check: CanaryCheck;
  ok: boolean;
  exitCode?: number;
  stdout: string;
  stderr: string;
  /** Why it could not finish (timed out, interrupted). */
  error?: string;
  durationMs: number;
}

export interface RunChecksOptions {
  canaries: readonly string[];
  cwd: string;
  timeoutMs: number;
  /** Aborts every check (interrupt). */
  signal: AbortSignal;
  onResult?: (result: CheckResult) => void;
}

/**
 * Run the canary checks on this machine, one after the other, each through the shell in
 * its own process group with DEPLOY_CANARIES set; a check past its timeout is killed.
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
      const run = await runLocalProcess(check.command, [], {
        cwd: options.cwd,
        shell: true,
        env: { DEPLOY_CANARIES: options.canaries.join(','), ...(check.host ? { DEPLOY_HOST: check.host } : {}) },
        signal,
      });
      result = { check, ok: run.exitCode === 0, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, durationMs: performance.now() - started };
    } catch {
      const error = timeout.aborted ? `timed out after ${formatSeconds(options.timeoutMs)}` : 'interrupted';
      result = { check, ok: false, stdout: '', stderr: '', error, durationMs: performance.now() - started };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
