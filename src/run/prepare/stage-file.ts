import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, posix, sep } from 'node:path';
import { UserError } from '../../errors.js';

export interface StagedFile {
  /** The path as the user named it, relative to stage_dir. */
  relativePath: string;
  /** Where it goes on each host. */
  destination: string;
  content: Buffer;
  mode: number;
}

const escapes = (rel: string): boolean => rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/**
 * Resolve `stage_dir/<path>` for sync-file. A path escaping stage_dir (`..`, absolute
 * elsewhere, a symlink resolving outside) or that is not a regular file is a usage error.
 */
export async function resolveStagedFile(stageDir: string | undefined, deployDir: string | undefined, path: string): Promise<StagedFile> {
  if (stageDir === undefined) throw new UserError('stage_dir: not set', 'sync-file copies stage_dir/<path> to deploy_dir/<path>: set both');
  if (deployDir === undefined) throw new UserError('deploy_dir: not set', 'sync-file copies stage_dir/<path> to deploy_dir/<path>: set both');
  let realStage: string;
  try {
    realStage = await realpath(stageDir);
  } catch {
    throw new UserError(`stage_dir: ${stageDir} does not exist`);
  }
  const candidate = isAbsolute(path) ? path : resolve(stageDir, path);
  let relativePath = relative(stageDir, candidate);
  if (escapes(relativePath) && isAbsolute(path)) relativePath = relative(realStage, candidate);
  if (escapes(relativePath)) throw new UserError(`${path}: outside stage_dir ${stageDir}`, 'name a file inside stage_dir');
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new UserError(`${path}: no such file in stage_dir ${stageDir}`);
  }
  if (escapes(relative(realStage, real))) {
    throw new UserError(`${path}: resolves to ${real}, outside stage_dir ${stageDir}`);
  }
  const info = await stat(real);
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  const posixPath = relativePath.split(sep).join('/');
  return {
    relativePath: posixPath,
    destination: posix.join(deployDir, posixPath),
    content: await readFile(real),
    mode: info.mode & 0o7777,
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
