/** How human output is shown on a stream: a live spinner, and colour. */
export interface TerminalMode {
  /** A spinner with live status redraws in place. */
  interactive: boolean;
  color: boolean;
}

/** `CI=false`, `CI=0` and an empty `CI` mean "not CI", as most CI-detection libraries read them. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI;
  return value !== undefined && !['', '0', 'false'].includes(value.trim().toLowerCase());
}

/** `NO_COLOR` counts only when present and not empty (no-color.org). */
export function noColor(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

/**
 * A spinner only on a terminal of known, non-zero width outside CI; otherwise plain lines,
 * so a 0-column or unknown terminal can never make rendering loop or stall the run.
 * Colour only with the spinner, and never with NO_COLOR.
 */
export function terminalMode(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): TerminalMode {
  const interactive = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && !isCi(env);
  return { interactive, color: interactive && !noColor(env) };
}
