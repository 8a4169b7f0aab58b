import { lstat, readlink, realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { mapLimited } from '../../lib/map-limited.js';
import { type StagedTree, type TreeEntry, localPathOf, stagePathOf } from '../../lib/tree.js';
import type { ListedItem } from '../../transport/rsync-listing.js';
import { escapes } from './staged-path.js';

/** lstat calls in flight while reading a listing's entries. */
const STAT_CONCURRENCY = 64;

/** What a non-regular file is, for the message naming it. */
export function fileTypeName(info: Stats | undefined): string {
  if (info?.isFIFO()) return 'a FIFO';
  if (info?.isSocket()) return 'a socket';
  if (info?.isCharacterDevice()) return 'a character device';
  if (info?.isBlockDevice()) return 'a block device';
  return 'not a regular file, folder or symbolic link';
}

/** Refuse an entry that is neither a regular file, a folder nor a symbolic link. */
export async function refuseSpecial(tree: Pick<StagedTree, 'relativePath' | 'root' | 'source'>, path: string): Promise<never> {
  const info = await lstat(localPathOf(tree, path)).catch(() => undefined);
  throw new UserError(
    `${stagePathOf(tree, path)}: ${fileTypeName(info)} in the tree; only regular files, folders and symbolic links are synced`,
    'remove it from the stage, or leave it out with sync_exclude',
  );
}

/** A link is refused when its target, resolved (or, dangling, read as a path from its folder), is outside stage_dir. */
async function refuseEscapingLink(tree: Pick<StagedTree, 'relativePath' | 'root' | 'source'>, path: string, target: string, realStage: string): Promise<void> {
  const local = localPathOf(tree, path);
  const resolved = await realpath(local).catch(() => resolve(dirname(local), target));
  if (relative(realStage, resolved) !== '' && escapes(relative(realStage, resolved))) {
    throw new UserError(
      `${stagePathOf(tree, path)}: a symbolic link to ${target}, which resolves to ${resolved}: it makes the folder escape stage_dir`,
      'point links at files inside stage_dir (relative links inside the tree are fine), or leave it out with sync_exclude',
    );
  }
}

/** The entries of rsync's listing, with what lstat says of each; links checked against stage_dir. */
export async function readEntries(
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'source'>,
  items: readonly ListedItem[],
  realStage: string,
  signal?: AbortSignal,
): Promise<TreeEntry[]> {
  return mapLimited(
    items,
    STAT_CONCURRENCY,
    async ({ path, kind }): Promise<TreeEntry> => {
      const info = await lstat(localPathOf(tree, path)).catch(() => undefined);
      if (info === undefined) throw new UserError(`${stagePathOf(tree, path)}: gone while the stage was being read; try again`);
      const base = { path, mode: info.mode & 0o7777, mtimeMs: info.mtimeMs };
      if (kind === 'dir' && info.isDirectory()) return { ...base, kind: 'dir', size: 0 };
      if (kind === 'file' && info.isFile()) return { ...base, kind: 'file', size: info.size };
      if (kind === 'link' && info.isSymbolicLink()) {
        const target = await readlink(localPathOf(tree, path));
        await refuseEscapingLink(tree, path, target, realStage);
        return { ...base, kind: 'link', size: info.size, target };
      }
      if (kind === 'device' || kind === 'special') return refuseSpecial(tree, path);
      throw new UserError(`${stagePathOf(tree, path)}: changed while the stage was being read (rsync saw ${kind}); try again`);
    },
    signal,
  );
}
