/** Every exit status deploy uses, in one table (SPEC.md, "Exit status"). */
export const EXIT = {
  /** Done; warnings allowed. */
  ok: 0,
  /** Done with failed hosts, canary checks failed (rolled back or not), or aborted at a limit. */
  failed: 1,
  /** Bad usage or configuration; nothing was touched. */
  usage: 2,
  /** Another deploy holds the lock. */
  locked: 3,
  /** A bug in deploy itself (EX_SOFTWARE). */
  internal: 70,
  /** Interrupted by SIGINT, SIGTERM or SIGHUP. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
