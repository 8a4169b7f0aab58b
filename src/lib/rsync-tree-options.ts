/** Marks the item lines of a tree sync's `--out-format`, apart from `--stats` and messages. */
export const ITEM_PREFIX = 'deploy-item ';

/** What a tree sync keeps, removes and links, as "Trees and releases" says. */
export interface TreeSyncGuarantees {
  /** Remove from the destination what is gone from the source (excluded paths aside). */
  delete: boolean;
  /** rsync-style patterns never synced, one `--exclude` each. */
  exclude: readonly string[];
  /** A previous copy of the tree on the host: unchanged files are hard-linked from it. */
  linkDest?: string;
  /** A folder on the host that keeps, by rename, every file the sync replaces or removes. */
  backupDir?: string;
  /**
   * The destination is a new folder that nothing reads until the run puts it in place (a new
   * tree's folder: remote-commands/new-tree.ts): files are written straight in, not held back.
   */
  newFolder?: boolean;
}

/**
 * The rsync options of every tree sync, wherever rsync runs (this machine's rsync to a host:
 * transport/rsync-tree.ts; a target pulling from a proxy's daemon: remote-commands/rsync-pull.ts),
 * after `-rlpt`, so that both keep the same promises and print the same items:
 * - `--delay-updates`: new and changed files land in `.~tmp~` folders and are renamed into
 *   place together at the end (not into a `newFolder`, which nothing reads yet); with
 *   `delete`, `--delete --delete-delay` removes afterwards;
 * - `--mkpath`: the destination's missing parent folders are made, as sync-file does for a file;
 * - `--exclude`: excluded paths are neither sent nor deleted on the host;
 * - one `deploy-item <%i> <%n>` line per item, then `--stats`.
 */
export function treeSyncOptions(options: TreeSyncGuarantees): string[] {
  return [
    ...(options.newFolder ? [] : ['--delay-updates']),
    '--mkpath',
    ...(options.delete ? ['--delete', '--delete-delay'] : []),
    ...(options.linkDest !== undefined ? [`--link-dest=${options.linkDest}`] : []),
    ...(options.backupDir !== undefined ? ['--backup', `--backup-dir=${options.backupDir}`] : []),
    ...options.exclude.map((pattern) => `--exclude=${pattern}`),
    `--out-format=${ITEM_PREFIX}%i %n`,
    '--stats',
  ];
}
