import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { temporaryName } from '../lib/temporary-name.js';
import type { WriteResult } from '../transport/types.js';

async function sameFile(path: string, content: Buffer, mode: number): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size !== content.length || (info.mode & 0o7777) !== mode) return false;
    return (await readFile(path)).equals(content);
  } catch {
    return false;
  }
}

/** Replace `path` on this machine atomically (temp file in the same folder, then rename). */
export async function writeFileAtomically(path: string, content: Buffer, mode: number): Promise<WriteResult> {
  if (await sameFile(path, content, mode)) return { changed: false };
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryName(path);
  try {
    await writeFile(temporary, content, { mode });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { changed: true };
}
