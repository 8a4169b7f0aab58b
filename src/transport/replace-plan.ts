import { sha256 } from '../lib/sha256.js';
import type { PreviousFile, ReplaceOptions, WriteResult } from './types.js';

/** What a transport wants at a path: this content and mode, or (null) no file. */
export type Wanted = { content: Buffer; mode: number } | null;

/**
 * Whether a transport must read the whole current file before deciding: always when the old
 * content is kept or checked against `expect`; for a plain write only when size and mode
 * already match (then the content decides whether anything changes).
 */
export function needsCurrentContent(options: Pick<ReplaceOptions, 'keep' | 'expect'>, wanted: Wanted, size: number, mode: number): boolean {
  if (options.keep !== undefined || options.expect !== undefined) return true;
  return wanted !== null && wanted.content.length === size && wanted.mode === (mode & 0o7777);
}

/**
 * Given what the host has (`current`, null: no file; undefined: not read because it cannot
 * be the same), decide: nothing to do (with the result to return), or replace it.
 */
export function decideReplace(current: PreviousFile | null | undefined, wanted: Wanted, expect: string | null | undefined): WriteResult | 'replace' {
  if (expect !== undefined) {
    const now = current === null || current === undefined ? null : sha256(current.content);
    if (now !== expect) {
      const conflict = expect === null ? 'a file is there' : now === null ? 'the file is gone' : 'the file has other content';
      return { changed: false, conflict };
    }
  }
  if (wanted === null) return current === null ? { changed: false } : 'replace';
  if (current && (current.mode & 0o7777) === (wanted.mode & 0o7777) && current.content.equals(wanted.content)) return { changed: false };
  return 'replace';
}
