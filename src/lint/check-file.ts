import { readFile } from 'node:fs/promises';
import { errorCode } from '../lib/read-file.js';
import { oneLine } from '../lib/text.js';
import { runLocalProcess } from '../transport/local-process.js';
import type { LintFile } from './select.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON by JSON.parse: undefined when it parses, else the parser's message. */
export async function checkJson(file: LintFile): Promise<string | undefined> {
  let text: string;
  try {
    text = utf8.decode(await readFile(file.localPath));
  } catch (error) {
    return error instanceof TypeError ? 'not valid UTF-8' : `cannot be read: ${errorCode(error)}`;
  }
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Errors shown on stderr only, whatever this machine's php.ini says (a php.ini may log them
 * to a file, or show them as HTML); the parser's own settings (short_open_tag ...) stay its.
 */
export const PHP_LINT_FLAGS = ['-d', 'display_errors=stderr', '-d', 'log_errors=0', '-d', 'html_errors=0', '-l'];

/** php's one line that says what is wrong (`Parse error: ... in <file> on line N`). */
function phpMessage(stdout: string, stderr: string, exitCode: number): string {
  const lines = `${stderr}\n${stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const error = lines.find((line) => /\b(Parse|Fatal|Compile) error\b/i.test(line)) ?? lines.find((line) => !line.startsWith('Errors parsing'));
  return error ?? `php -l exited with status ${exitCode}`;
}

/** `php -l` of one file, in its own process group, stopped by `signal`: undefined when it passes, else php's message. */
export async function checkPhp(file: LintFile, php: string, signal: AbortSignal): Promise<string | undefined> {
  const run = await runLocalProcess(php, [...PHP_LINT_FLAGS, file.localPath], { cwd: '/', signal, killGraceMs: 500 });
  if (run.notStarted !== undefined) return `${php} could not be started: ${run.notStarted}`;
  if (run.exitCode === 0) return undefined;
  return oneLine(phpMessage(run.stdout, run.stderr, run.exitCode).split(file.localPath).join(file.stagePath)).replace(/ {2,}/g, ' ');
}
