import { readFile, rm, stat } from 'node:fs/promises';
import { writeFileAtomically } from '../lib/atomic-file.js';
import { decideReplace, needsCurrentContent, type Wanted } from './replace-plan.js';
import type { PreviousFile, ReplaceOptions, WriteResult } from './types.js';

/** What this machine has at `path`: null when no file, undefined when not read (it cannot matter). */
async function currentFile(path: string, _signal: AbortSignal, mustRead: (size: number, mode: number) => boolean): Promise<PreviousFile | null | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!info.isFile()) throw new Error(`${path} exists and is not a regular file`);
  if (!mustRead(info.size, info.mode)) return undefined;
  return { content: await readFile(path), mode: info.mode & 0o7777 };
}

/** The local transport's readFile: the file at `path` (null: none). */
export async function readLocalFile(path: string, signal: AbortSignal): Promise<PreviousFile | null> {
  signal.throwIfAborted();
  return (await currentFile(path, signal, () => true)) ?? null;
}

/**
 * The local transport's writeFile and removeFile: make `path` hold `wanted` (null: no file),
 * atomically, with the same `keep` and `expect` rules as over SSH (see Transport).
 */
export async function replaceLocalFile(path: string, wanted: Wanted, options: ReplaceOptions): Promise<WriteResult> {
  options.signal.throwIfAborted();
  const current = await currentFile(path, options.signal, (size, mode) => needsCurrentContent(options, wanted, size, mode));
  const decision = decideReplace(current, wanted, options.expect);
  if (decision !== 'replace') return decision;
  if (options.keep && current !== undefined) await options.keep(current);
  options.signal.throwIfAborted();
  if (wanted === null) {
    await rm(path, { force: true });
    return { changed: true };
  }
  return writeFileAtomically(path, wanted.content, wanted.mode);
}
