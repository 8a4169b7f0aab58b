import { Command } from '@oclif/core';
import { BugError, UserError } from '../errors.js';
import { oneLine } from '../lib/text.js';


/**
 * The one place errors become output: a user error is one line (and its hint) with its exit
 * status; anything else is a bug, with the stack only when DEBUG is set.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    const debug = Boolean(process.env.DEBUG);
    if (error instanceof UserError) {
      process.stderr.write(`Error: ${oneLine(error.message)}${error.hint ? ` (${oneLine(error.hint)})` : ''}\n`);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    if (error.oclif?.exit !== undefined && !(error instanceof BugError)) {
      // oclif's own parse errors: unknown flag, missing argument, ...
      if (error.oclif.exit === 0) return;
      const missing = (error as { args?: Array<{ name?: string }> }).args?.map((arg) => arg.name).filter(Boolean) ?? [];
      const first =
        missing.length > 0 && error.message.startsWith('Missing')
          ? `missing required argument: ${missing.join(', ')}`
          : (error.message.split('\n').find((line) => line.trim() !== '') ?? error.message);
      process.stderr.write(`Error: ${first.trim()} (see --help)\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`Error: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('Run again with DEBUG=1 for the stack trace.\n');
    process.exitCode = 70;
  }
}
