import { EXIT } from './exit-codes.js';

/**
 * The tool's typed errors, in one place. The top-level handler (src/commands/base-command.ts)
 * turns each into one line and an exit status; a stack is printed only with DEBUG set.
 */

/** Bad usage or configuration, found before anything was touched. Exit status 2. */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly exitCode: number = EXIT.usage;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Another deploy holds the lock. Exit status 3. */
export class LockHeldError extends UserError {
  override readonly exitCode: number = EXIT.locked;
}

/** A broken invariant: a bug in deploy itself, never the user's fault. */
export class BugError extends Error {
  override readonly name = 'BugError';
  constructor(message: string) {
    super(`internal error: ${message} (this is a bug in deploy; please report it)`);
  }
}
