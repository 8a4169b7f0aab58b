import { oneLine, visible } from '../lib/text.js';
import { runLocalProcess } from '../transport/local-process.js';

export interface ShellOutcome {
  ok: boolean;
  detail: string;
  exitCode?: number;
  output?: string;
}

/** A shell command run here, in its own process group, with `env` (DEPLOY_CANARIES, ...) and DEPLOY_HOST set. */
export async function runShellCheck(
  command: string,
  host: string | undefined,
  env: Readonly<Record<string, string>>,
  cwd: string,
  signal: AbortSignal,
): Promise<ShellOutcome> {
  const run = await runLocalProcess(command, [], {
    cwd,
    shell: true,
    env: { ...env, ...(host ? { DEPLOY_HOST: host } : {}) },
    signal,
  });
  const output = `${run.stdout}${run.stderr}`.trim();
  const shown = output === '' ? '' : `: ${visible(oneLine(output)).slice(0, 200)}`;
  return { ok: run.exitCode === 0, exitCode: run.exitCode, output, detail: `returned [${run.exitCode}]${shown}` };
}
