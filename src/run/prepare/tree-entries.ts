import type { Stats } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { type StagedTree, type TreeEntry, localPathOf, stagePathOf } from '../../lib/tree.js';
import type { ListedItem } from '../../transport/rsync-listing.js';
import { escapes } from './staged-path.js';

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

/** Entries taken between two yields to the event loop. */
const BATCH = 5000;

/**
 * The entries of rsync's listing (sizes, modes, mtimes as rsync printed them); links read and
 * checked against stage_dir; a FIFO, socket or device refused.
 */
export async function readEntries(
  tree: Pick<StagedTree, 'relativePath' | 'root' | 'source'>,
  items: readonly ListedItem[],
  realStage: string,
  signal?: AbortSignal,
): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  for (const [index, { path, kind, size, mode, mtimeMs }] of items.entries()) {
    if (index % BATCH === 0 && index > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    }
    if (kind === 'dir' || kind === 'file') entries.push({ path, kind, size: kind === 'dir' ? 0 : size, mode, mtimeMs });
    else if (kind === 'link') {
      const target = await readlink(localPathOf(tree, path)).catch(() => undefined);
      if (target === undefined) throw new UserError(`${stagePathOf(tree, path)}: changed while the stage was being read; try again`);
      await refuseEscapingLink(tree, path, target, realStage);
      entries.push({ path, kind, size, mode, mtimeMs, target });
    } else await refuseSpecial(tree, path);
  }
  return entries;
}
