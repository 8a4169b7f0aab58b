import { Command, Errors } from '@oclif/core';
import { BugError, UserError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { oneLine } from '../lib/text.js';

/** What the top-level handler prints for an error: one line, and the exit status. */
interface Failure {
  message: string;
  hint?: string;
  exitCode: number;
}

/** oclif's own parse errors (unknown flag, missing argument ...) as one usage line. */
function parseFailure(error: Errors.CLIError & { args?: Array<{ name?: string }> }): Failure {
  const missing = error.args?.map((arg) => arg.name).filter(Boolean) ?? [];
  const message =
    missing.length > 0 && error.message.startsWith('Missing')
      ? `missing required argument: ${missing.join(', ')}`
      : (error.message.split('\n').find((line) => line.trim() !== '') ?? error.message).trim();
  return { message, hint: 'see --help', exitCode: EXIT.usage };
}

/**
 * The one place errors become output: a user error is one line (and its hint) with its exit
 * status; an oclif parse error is a usage error; anything else is a bug, with the stack only
 * when DEBUG is set. With --json, the same error is also printed on stdout as a JSON object.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error): Promise<void> {
    // Every command parses first: a parse error is not oclif's "did not parse" case, whose
    // warning (shown when NODE_ENV is development or test) would add a second line.
    this.parsed = true;
    const debug = Boolean(process.env.DEBUG);
    let failure: Failure;
    if (error instanceof UserError) failure = { message: error.message, ...(error.hint ? { hint: error.hint } : {}), exitCode: error.exitCode };
    else if (error instanceof Errors.ExitError && error.oclif.exit === 0) return;
    else if (error instanceof Errors.CLIError && !(error instanceof BugError)) failure = parseFailure(error);
    else failure = { message: error.message, exitCode: EXIT.internal };
    const line = `Error: ${oneLine(failure.message)}${failure.hint ? ` (${oneLine(failure.hint)})` : ''}`;
    process.stderr.write(`${line}\n`);
    if (failure.exitCode === EXIT.internal) process.stderr.write(debug && error.stack ? `${error.stack}\n` : 'Run again with DEBUG=1 for the stack trace.\n');
    else if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    if (this.argv.includes('--json')) {
      process.stdout.write(
        `${JSON.stringify({ error: { message: oneLine(failure.message), ...(failure.hint ? { hint: oneLine(failure.hint) } : {}) }, exitCode: failure.exitCode }, null, 2)}\n`,
      );
    }
    process.exitCode = failure.exitCode;
  }
}
