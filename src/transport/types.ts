import type { StagedNames } from '../lib/staged-names.js';

/**
 * The one interface every transport implements: `ssh` (production), `local` (the embedded
 * demo) and the synthetic fake fleet used by tests and benchmarks.
 *
 * Contract, shared by all three:
 * - `exec` runs one command on one host. A command that ran and exited, whatever its status
 *   (255 included), resolves with an ExecResult. Anything that kept the command from running
 *   or finishing (cannot connect, host key refused, auth refused, connection lost) rejects
 *   with a HostFailure.
 * - `exec`'s result keeps the first OUTPUT_CAP_BYTES of each stream; `onOutput` is handed all
 *   of it, in order, as it arrives, never cut (a caller that needs more than the cap, a tree
 *   pull's item lines, reads it there, piece by piece).
 * - When `signal` aborts, the transport stops the command for real (signals its process
 *   group, closes the channel) and rejects with `signal.reason`.
 * - `writeFile` replaces a file atomically: the host has the old content or the new one,
 *   never a partial file. Missing parent folders are created. When the host already has
 *   identical content and mode, nothing is written and `changed` is false. Before replacing,
 *   it hands what the host had (or null: no file) to `keep`, reading it once; with `expect`,
 *   it replaces only a current file with that sha256 (null: only where there is none) and
 *   otherwise writes nothing and says why in `conflict`.
 * - `removeFile` removes a file the same way, `keep` and `expect` included; a file that is not
 *   there is not an error (`changed` false). `readFile` reads one (null: none).
 * - `syncTree` makes the host's folder `destination` hold what the local folder `source` holds
 *   (files, symlinks as symlinks, permission bits, mtimes; never owner or group). Only what
 *   differs by size or mtime moves, so a file changed by hand on the host is replaced. New and
 *   changed files land under temporary names and are renamed into place together at the end;
 *   with `delete`, what the source lacks is removed after that. Paths matching `exclude` are
 *   neither sent nor removed. `linkDest` names an older copy on the host whose unchanged files
 *   are hard-linked instead of sent. A failed or stopped sync leaves the old files in place;
 *   temporary files it left are gone after the next successful sync. Missing parent
 *   folders of the destination are made. It resolves with the files and links created, replaced and
 *   removed (folders not counted) and the bytes sent; failures are HostFailures
 *   (`transfer`, `connection-lost`, ...), an abort rejects with `signal.reason`.
 * - `close` releases every connection; it is safe to call more than once.
 */

export type HostFailureKind = 'connect' | 'host-key' | 'auth' | 'timeout' | 'stalled' | 'transfer' | 'connection-lost' | 'interrupted';

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
  /**
   * Called with each piece of output as it arrives (live status, stall watchdog): all of it, in
   * order, never cut at the cap, decoded as UTF-8 with no character split between two pieces.
   */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Called when the transport retries connecting (issue: retries with backoff). */
  onRetry?: (attempt: number, error: HostFailure, delayMs: number) => void;
  /**
   * A brief host script of deploy's own that needs no stopping (a probe, a rename, a prune): run
   * as it is, without what makes a command stoppable (ssh: the stop wrapper, a handful of
   * processes on the host each time). On abort it is left to finish; the wait for it ends.
   */
  brief?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when output past the per-host cap was dropped (the text says so too). */
  truncated: boolean;
}

/** What a host had at a path before it was replaced. */
export interface PreviousFile {
  content: Buffer;
  /** Permission bits. */
  mode: number;
}

export interface ReadFileOptions {
  signal: AbortSignal;
  onRetry?: (attempt: number, error: HostFailure, delayMs: number) => void;
}

export interface ReplaceOptions extends ReadFileOptions {
  /**
   * Called with the host's current file (null: none) before it is replaced or removed, never
   * when nothing changes. The replacement waits for it; it must not throw.
   */
  keep?: (previous: PreviousFile | null) => Promise<void>;
  /** Replace only when the current file's sha256 (hex) is this; null: only when there is no file. */
  expect?: string | null;
}

export interface WriteFileOptions extends ReplaceOptions {
  /** Permission bits for the file (e.g. 0o644). */
  mode: number;
}

export interface WriteResult {
  /** False when the host already had identical content and mode, or `expect` did not hold: nothing was written. */
  changed: boolean;
  /** Set when `expect` did not hold: what the host has instead, in one line. */
  conflict?: string;
}

export interface SyncTreeOptions extends ReadFileOptions {
  /** The local folder whose content is synced. */
  source: string;
  /** The absolute remote folder that receives it. */
  destination: string;
  /** rsync-style patterns (sync_exclude), matched relative to `source`. */
  exclude: readonly string[];
  /** Remove from `destination` what `source` lacks (sync_delete). */
  delete: boolean;
  /** An absolute remote folder (the live release) whose unchanged files are hard-linked. */
  linkDest?: string;
  /** An absolute remote folder that keeps, by rename on the host, every file the sync replaces or removes. */
  backupDir?: string;
  /** `destination` is a new folder nothing reads yet: no renaming together at the end (TreeSyncGuarantees.newFolder). */
  newFolder?: boolean;
  /**
   * The staged tree's names: the result's lists hold these strings, shared by every host,
   * instead of copies cut from each host's output, and a list that is all the staged files in
   * order is the staged list itself (StagedNames).
   */
  names?: StagedNames;
}

export interface SyncTreeResult {
  /** Files and symlinks created or replaced, relative to the folder. */
  changed: readonly string[];
  /** Those of `changed` the host did not have before. */
  created: readonly string[];
  /** Folders the sync created. */
  createdFolders?: readonly string[];
  /** Files and symlinks removed, relative to the folder. */
  removed: readonly string[];
  /** Bytes sent to the host for this sync. */
  bytesSent: number;
}

export interface Transport {
  readonly name: string;
  /** Run `argv` on `host`. How it is rendered (quoted for a remote shell) is the transport's job. */
  exec(host: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** Write `content` to the absolute remote path `path` on `host`, atomically. */
  writeFile(host: string, path: string, content: Buffer, options: WriteFileOptions): Promise<WriteResult>;
  /** The file at the absolute remote path `path` on `host`, or null when there is none. */
  readFile(host: string, path: string, options: ReadFileOptions): Promise<PreviousFile | null>;
  /** Remove the absolute remote path `path` on `host` (a missing file is not an error). */
  removeFile(host: string, path: string, options: ReplaceOptions): Promise<WriteResult>;
  /** Make the remote folder `options.destination` on `host` hold what `options.source` holds. */
  syncTree(host: string, options: SyncTreeOptions): Promise<SyncTreeResult>;
  /**
   * The path a remote command run by `exec` must name for the remote path `path`: the same
   * path on a real host; inside the host's folder for the local demo.
   */
  commandPath(host: string, path: string): string;
  /**
   * Optional: start connecting to `hosts` now, ahead of their first use (a run's first window,
   * while it reads its stage), so that use finds the connection open; a connect that fails or
   * retries is reported to that use as if it had made it. Nothing runs on a host.
   */
  warm?(hosts: readonly string[]): void;
  close(): Promise<void>;
}

/** Per-host cap on each captured stream; past it output is cut and the cut is said. */
export const OUTPUT_CAP_BYTES = 64 * 1024;
