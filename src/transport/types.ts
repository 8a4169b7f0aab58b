/**
 * The one interface every transport implements: `ssh` (production), `local` (the embedded
 * demo) and the synthetic fake fleet used by tests and benchmarks.
 *
 * Contract, shared by all three:
 * - `exec` runs one command on one host. A command that ran and exited, whatever its status
 *   (255 included), resolves with an ExecResult. Anything that kept the command from running
 *   or finishing (cannot connect, host key refused, auth refused, connection lost) rejects
 *   with a HostFailure.
 * - When `signal` aborts, the transport stops the command for real (signals its process
 *   group, closes the channel) and rejects with `signal.reason`.
 * - `writeFile` replaces a file atomically: the host has the old content or the new one,
 *   never a partial file. Missing parent folders are created. When the host already has
 *   identical content and mode, nothing is written and `changed` is false.
 * - `close` releases every connection; it is safe to call more than once.
 */

export type HostFailureKind =
  | 'connect'
  | 'host-key'
  | 'auth'
  | 'timeout'
  | 'stalled'
  | 'transfer'
  | 'connection-lost'
  | 'interrupted';

/** The reason a host failed: it counts toward failure_limit. The message is one line. */
export class HostFailure extends Error {
  override readonly name = 'HostFailure';
  constructor(
    readonly kind: HostFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export interface ExecOptions {
  /** Aborting stops the command on the host; exec then rejects with signal.reason. */
  signal: AbortSignal;
  /** Called once the command is running on the host (after connecting): the stall clock starts here. */
  onStart?: () => void;
  /** Called for each chunk of output as it arrives (live status, stall watchdog). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Called when the transport retries connecting (issue: retries with backoff). */
  onRetry?: (attempt: number, error: HostFailure, delayMs: number) => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when output past the per-host cap was dropped (the text says so too). */
  truncated: boolean;
}

export interface WriteFileOptions {
  signal: AbortSignal;
  /** Permission bits for the file (e.g. 0o644). */
  mode: number;
  onRetry?: (attempt: number, error: HostFailure, delayMs: number) => void;
}

export interface WriteResult {
  /** False when the host already had identical content and mode: nothing was written. */
  changed: boolean;
}

export interface Transport {
  readonly name: string;
  /** Run `argv` on `host`. How it is rendered (quoted for a remote shell) is the transport's job. */
  exec(host: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** Write `content` to the absolute remote path `path` on `host`, atomically. */
  writeFile(host: string, path: string, content: Buffer, options: WriteFileOptions): Promise<WriteResult>;
  close(): Promise<void>;
}

/** Per-host cap on each captured stream; past it output is cut and the cut is said. */
export const OUTPUT_CAP_BYTES = 64 * 1024;
