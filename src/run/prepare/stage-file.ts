import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { resolveStagedPath } from './staged-path.js';

export interface StagedFile {
  /** The path as the user named it, relative to stage_dir. */
  relativePath: string;
  /** Where it goes on each host. */
  destination: string;
  content: Buffer;
  mode: number;
}

/**
 * Resolve `stage_dir/<path>` for sync-file. A path escaping stage_dir (`..`, absolute
 * elsewhere, a symlink resolving outside) or that is not a regular file is a usage error.
 */
export async function resolveStagedFile(stageDir: string | undefined, deployDir: string | undefined, path: string): Promise<StagedFile> {
  const staged = await resolveStagedPath(stageDir, deployDir, path, { command: 'sync-file', allowRoot: false, what: 'a file' });
  if (!staged.info.isFile()) throw new UserError(`${path}: not a regular file`);
  return {
    relativePath: staged.relativePath,
    destination: staged.destination,
    content: await readFile(staged.real),
    mode: staged.info.mode & 0o7777,
  };
}

/**
 * `deploy sync-file a.php b.php msg` would sync a.php only and take "b.php msg" as the message:
 * a first message word naming a staged file is refused, as Scap users expect several paths to work.
 */
export async function refuseSecondPath(stageDir: string | undefined, word: string): Promise<void> {
  if (stageDir === undefined || word.includes('\0')) return;
  const info = await stat(resolve(stageDir, word)).catch(() => undefined);
  if (info?.isFile()) {
    throw new UserError(
      `sync-file takes one path, but the message starts with ${JSON.stringify(word)}, another file in stage_dir`,
      'sync each file on its own, or quote the message if that word is meant as text',
    );
  }
}
