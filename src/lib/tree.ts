import { join, posix } from 'node:path';

/**
 * A staged tree as data: what `sync-file <folder>`, `sync-world` (and `sync-file <file>`, the
 * tree of one file) would send, as rsync lists it. Built by src/run/prepare/staged-tree.ts;
 * read by the lint, the sent manifests and the dry run. No I/O here.
 */

export type TreeEntryKind = 'file' | 'link' | 'dir';

export interface TreeEntry {
  /** Relative to the tree, posix (for the tree of one file: its name). */
  path: string;
  kind: TreeEntryKind;
  /** Bytes for a file, the target's length for a link, 0 for a folder. */
  size: number;
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  /** As rsync lists it: whole seconds. */
  mtimeMs: number;
  /** A link's target, as stored in the link. */
  target?: string;
}

export interface StagedTree {
  /** The synced path relative to stage_dir, posix; `.` for the whole stage. */
  relativePath: string;
  /** `folder`: `source` is a folder whose content is synced; `file`: the tree of one file. */
  root: 'folder' | 'file';
  /** The local folder (or file), symlinks resolved, inside stage_dir. */
  source: string;
  /** deploy_dir/<path>, posix. */
  destination: string;
  /** Regular files, and their bytes; exclusions left out. */
  files: number;
  bytes: number;
  links: number;
  /** Every entry rsync would send, in rsync's order; the folder itself is not one. */
  entries: TreeEntry[];
  /** The sync_exclude patterns the listing applied. */
  excluded: string[];
}

/** An entry's path relative to stage_dir, posix: how hashes, manifests and lint name a file. */
export function stagePathOf(tree: Pick<StagedTree, 'relativePath' | 'root'>, entryPath: string): string {
  return tree.root === 'file' ? tree.relativePath : posix.join(tree.relativePath, entryPath);
}

/** An entry's path on this machine. */
export function localPathOf(tree: Pick<StagedTree, 'source' | 'root'>, entryPath: string): string {
  return tree.root === 'file' ? tree.source : join(tree.source, entryPath);
}

/** Whether stage path `path` is `folder` or inside it (`.` holds everything). */
export function isUnder(path: string, folder: string): boolean {
  return folder === '.' || path === folder || path.startsWith(`${folder}/`);
}
