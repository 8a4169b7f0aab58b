import { isCi } from '../../report/terminal.js';
import type { CanaryFailureAsker } from '../prepare/deploy-options.js';
import { canaryPrompt } from './prompt.js';
import type { DeployOptions } from '../prepare/deploy-options.js';

/**
 * Who answers when canary checks fail: the deployer, only on a terminal (stdin and stdout
 * are terminals, no `CI`, no `--json`); otherwise nobody, and the configured action is taken.
 */
export function canaryAsker(
  options: DeployOptions,
  stdout: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  output: NodeJS.WritableStream,
): CanaryFailureAsker | undefined {
  const stdin = options.stdin ?? process.stdin;
  if (options.json || isCi(env) || !stdin.isTTY || !stdout.isTTY) return undefined;
  return options.askOnCanaryFailure ?? canaryPrompt(stdin, output);
}
