import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { UserError } from '../../errors.js';

/** A folder of stage_dir that a run syncs as a tree (sync-file <folder>, sync-world). */
export interface StagedTree {
  /** The folder as the user named it, relative to stage_dir (posix); `.` is the whole stage. */
  relativePath: string;
  /** The folder on this machine (inside stage_dir, symlinks resolved). */
  source: string;
  /** Where it goes on each host: deploy_dir/<path>. */
  destination: string;
  /** Regular files the run would send, and their bytes (exclusions left out). */
  files: number;
  bytes: number;
  /** sync_exclude, as the run applies it. */
  exclude: readonly string[];
}

const escapes = (rel: string): boolean => rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/** Count the regular files and bytes of a folder (a quick walk; rsync decides what moves). */
async function measure(folder: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) {
        files++;
        bytes += (await lstat(child)).size;
      }
    }
  };
  await walk(folder);
  return { files, bytes };
}

/**
 * Resolve the folder `stage_dir/<path>` (the whole stage when `path` is undefined) that a run
 * syncs as a tree. A path escaping stage_dir is a usage error.
 */
export async function resolveStagedTree(
  stageDir: string | undefined,
  deployDir: string | undefined,
  path: string | undefined,
  exclude: readonly string[],
): Promise<StagedTree> {
  if (stageDir === undefined) throw new UserError('stage_dir: not set', 'a tree sync copies stage_dir to deploy_dir: set both');
  if (deployDir === undefined) throw new UserError('deploy_dir: not set', 'a tree sync copies stage_dir to deploy_dir: set both');
  const realStage = await realpath(stageDir).catch(() => {
    throw new UserError(`stage_dir: ${stageDir} does not exist`);
  });
  const candidate = path === undefined ? stageDir : isAbsolute(path) ? path : resolve(stageDir, path);
  const real = await realpath(candidate).catch(() => {
    throw new UserError(`${path}: no such file or folder in stage_dir ${stageDir}`);
  });
  const inside = relative(realStage, real);
  if (escapes(inside)) throw new UserError(`${path}: resolves to ${real}, outside stage_dir ${stageDir}`);
  if (!(await stat(real)).isDirectory()) throw new UserError(`${path ?? stageDir}: not a folder`);
  const relativePath = inside === '' ? '.' : inside.split(sep).join('/');
  const { files, bytes } = await measure(real);
  return { relativePath, source: real, destination: posix.join(deployDir, relativePath), files, bytes, exclude };
}

/** Whether `stage_dir/<path>` is a folder (then sync-file syncs it as a tree). */
export async function isStagedFolder(stageDir: string | undefined, path: string): Promise<boolean> {
  if (stageDir === undefined) return false;
  const info = await stat(isAbsolute(path) ? path : resolve(stageDir, path)).catch(() => undefined);
  return info?.isDirectory() === true;
}
