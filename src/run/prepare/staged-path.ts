import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { UserError } from '../../errors.js';

/** A path of stage_dir that passed the rules of SPEC "Commands" (inside stage_dir, symlinks resolved inside). */
export interface StagedPath {
  /** The path as the user named it, relative to stage_dir, posix; `.` for stage_dir itself. */
  relativePath: string;
  /** Where it goes on each host: deploy_dir/<path>, posix. */
  destination: string;
  /** stage_dir, symlinks resolved. */
  realStage: string;
  /** The path itself, symlinks resolved (inside realStage). */
  real: string;
  /** stat of `real`. */
  info: Stats;
}

/** Whether a relative path leaves its base (`''` is the base itself). */
export const escapes = (rel: string): boolean => rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

export interface StagedPathOptions {
  /** The command, for the "not set" message. */
  command: string;
  /** stage_dir itself may be named (a tree: sync-world, `sync-file .`). */
  allowRoot: boolean;
  /** What the user should name, for the hint: `a file` or `a file or folder`. */
  what: string;
}

/**
 * Resolve `stage_dir/<path>`. A path escaping stage_dir (`..`, absolute elsewhere, a symlink
 * resolving outside) or missing is a usage error; what it is (file, folder, other) is the
 * caller's to judge from `info`.
 */
export async function resolveStagedPath(
  stageDir: string | undefined,
  deployDir: string | undefined,
  path: string,
  options: StagedPathOptions,
): Promise<StagedPath> {
  const both = `${options.command} copies stage_dir/<path> to deploy_dir/<path>: set both`;
  if (stageDir === undefined) throw new UserError('stage_dir: not set', both);
  if (deployDir === undefined) throw new UserError('deploy_dir: not set', both);
  let realStage: string;
  try {
    realStage = await realpath(stageDir);
  } catch {
    throw new UserError(`stage_dir: ${stageDir} does not exist`);
  }
  const candidate = isAbsolute(path) ? path : resolve(stageDir, path);
  let relativePath = relative(stageDir, candidate);
  if (escapes(relativePath) && isAbsolute(path)) relativePath = relative(realStage, candidate);
  const root = options.allowRoot && relativePath === '';
  if (escapes(relativePath) && !root) throw new UserError(`${path}: outside stage_dir ${stageDir}`, `name ${options.what} inside stage_dir`);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new UserError(`${path}: no such ${options.what.replace(/^an? /, '')} in stage_dir ${stageDir}`);
  }
  const realRelative = relative(realStage, real);
  if (escapes(realRelative) && !(options.allowRoot && realRelative === '')) {
    throw new UserError(`${path}: resolves to ${real}, outside stage_dir ${stageDir}`);
  }
  const posixPath = root ? '.' : relativePath.split(sep).join('/');
  return { relativePath: posixPath, destination: posix.join(deployDir, posixPath), realStage, real, info: await stat(real) };
}
