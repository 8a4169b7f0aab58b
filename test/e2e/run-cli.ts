import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would, with no terminal (CI mode). */
export async function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const result = await execa('node', [BIN, ...args], {
    cwd: options.cwd,
    env: { CI: '1', NO_COLOR: '1', ...options.env },
    reject: false,
    stdin: 'ignore',
    timeout: 120_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
