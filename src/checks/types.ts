import type { CheckSpec } from '../config/checks-kind.js';

/** A check to run: one config item, expanded once per canary when it has `{host}`. */
export interface CanaryCheck {
  spec: CheckSpec;
  /** What the check is, one line: the command, `GET <url>`, `<query> at <server>`. */
  command: string;
  /** Set when the item had `{host}`: it runs once for this canary. */
  host?: string;
}

export interface CheckResult {
  check: CanaryCheck;
  ok: boolean;
  /** One line: exit status and output, HTTP status, value against bound. */
  detail: string;
  exitCode?: number;
  /** Output of a shell check, for the human log. */
  output?: string;
  /** Why it could not finish (timed out, interrupted). */
  error?: string;
  durationMs: number;
}

/** Baselines of prometheus checks with max_ratio, by query text, taken when the run started. */
export type Baselines = ReadonlyMap<string, number | undefined>;
