import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isTemporaryFor, temporaryName } from './temporary-name.js';

/** Whether the file was written: false when it already had this content and mode. */
export interface AtomicWriteResult {
  changed: boolean;
}

export interface AtomicWriteOptions {
  /** Mode of the folders created on the way (default 0o777, less the umask). */
  folderMode?: number;
}

async function sameFile(path: string, content: Buffer, mode: number): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size !== content.length || (info.mode & 0o7777) !== mode) return false;
    return (await readFile(path)).equals(content);
  } catch {
    return false;
  }
}

/** fsync a folder, so a rename in it survives a crash; best effort (not every system allows it). */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Our own temporaries for `path` left by a write that died half-way: removed before the next one. */
async function removeStaleTemporaries(path: string): Promise<void> {
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  await Promise.all(entries.filter((entry) => isTemporaryFor(path, entry)).map((entry) => rm(join(dirname(path), entry), { force: true })));
}

/**
 * Replace `path` on this machine atomically: a temp file in the same folder, written, given
 * `mode`, flushed to disk (fsync), then renamed over `path`, and the folder flushed. A crash
 * leaves the old file or the new one, never a part of either.
 */
export async function writeFileAtomically(path: string, content: Buffer, mode: number, options: AtomicWriteOptions = {}): Promise<AtomicWriteResult> {
  await removeStaleTemporaries(path);
  if (await sameFile(path, content, mode)) return { changed: false };
  await mkdir(dirname(path), { recursive: true, ...(options.folderMode !== undefined ? { mode: options.folderMode } : {}) });
  const temporary = temporaryName(path);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
  return { changed: true };
}
