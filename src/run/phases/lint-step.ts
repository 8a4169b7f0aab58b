import { lintTree } from '../../lint/lint-tree.js';
import type { Reporter } from '../../model/run.js';
import { sentManifestsFolder, writeSentManifest } from '../../state/sent-manifests.js';
import type { Plan } from '../plan/types.js';
import type { LintInput } from '../prepare/prepare-run.js';
import { notReached } from './execute-plan.js';
import type { ExecutionResult } from './phase-run.js';

/**
 * `lint`, before any host is touched: the .php and .json files the run would change, checked
 * in parallel. Returns the run's result when one fails (every phase not started), else undefined.
 */
export async function lintBeforeTouching(input: LintInput, plan: Plan, report: Reporter, stop: AbortSignal): Promise<ExecutionResult | undefined> {
  const started = performance.now();
  const outcome = await lintTree(input.tree, input.hashes, input.previous, { signal: stop });
  if (outcome.skippedLine !== undefined) report({ type: 'notice', level: 'warn', text: outcome.skippedLine });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (outcome.failure === undefined) {
    const text = outcome.checked === 0 ? 'lint: no .php or .json file to check' : `lint: ${outcome.checked} files checked in ${seconds}s, all good`;
    report({ type: 'notice', level: 'info', text });
    return undefined;
  }
  report({ type: 'notice', level: 'warn', text: `lint: ${outcome.failure.file}: ${outcome.failure.message}` });
  return { phases: plan.phases.map((phase) => notReached(phase, 'lint failed')), stoppedBy: 'lint', lintFailure: outcome.failure };
}

/** After a run that went to the end: what it sent for its path, so the next run lints only what changed. */
export async function recordSent(input: LintInput, historyFile: string, warn: (text: string) => void): Promise<void> {
  try {
    await writeSentManifest(sentManifestsFolder(historyFile), input.tree.relativePath, input.hashes);
  } catch (error) {
    warn(`could not record what this run sent in ${sentManifestsFolder(historyFile)}: ${(error as Error).message}; the next run lints every file`);
  }
}
