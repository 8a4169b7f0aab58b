import { readRsyncName } from '../lib/rsync-names.js';
import type { SyncTreeResult } from './types.js';

/**
 * The local rsync that syncs a folder of this machine to a host's folder, built as data, and
 * the parser of what it prints. Transports run it: `ssh` with `-e` naming the tunnel's rsh
 * client (rsync's server runs on the host over deploy's own SSH connection), `local` straight
 * into the host's folder.
 *
 * - `-rlpt`: recursive, symlinks as symlinks, permissions, mtimes; no owner or group (files
 *   belong to the remote user). rsync's quick check (size and mtime) decides what moves, so a
 *   file changed by hand on a host (new mtime) is replaced.
 * - `-s` (secluded args): paths, `--link-dest` and filters travel inside rsync's protocol, so
 *   the command the host runs is only `rsync --server <flags> .`, nothing a shell could read.
 * - `--delay-updates`: new and changed files land in `.~tmp~` folders and are renamed into
 *   place together at the end; with `delete`, `--delete --delete-delay` removes afterwards.
 * - `--exclude`: excluded paths are neither sent nor deleted on the host.
 */

/** Marks the lines this argv's `--out-format` prints, apart from `--stats` and messages. */
export const ITEM_PREFIX = 'deploy-item ';

export interface RsyncTreeOptions {
  /** The local folder whose content is synced. */
  source: string;
  /** The destination folder as rsync reads it: a local path, or `<host>:<path>` with `remoteShell`. */
  destination: string;
  /** Remove from the destination what is gone from the source (excluded paths aside). */
  delete: boolean;
  /** rsync-style patterns never synced, one `--exclude` each. */
  exclude: readonly string[];
  /** A previous copy of the tree on the host: unchanged files are hard-linked from it. */
  linkDest?: string;
  /** A folder (absolute on the destination side) that keeps, by rename, every file the sync replaces or removes. */
  backupDir?: string;
  /** The `-e` command (already one string, as rsync splits it). */
  remoteShell?: string;
}

/** The argv of the local rsync (argv[0] is `rsync`). */
export function buildRsyncTree(options: RsyncTreeOptions): string[] {
  const source = options.source.endsWith('/') ? options.source : `${options.source}/`;
  return [
    'rsync',
    '-rlpt',
    '-s',
    '--delay-updates',
    // The destination's missing parent folders are made, as sync-file does for a file.
    '--mkpath',
    ...(options.delete ? ['--delete', '--delete-delay'] : []),
    ...(options.linkDest !== undefined ? [`--link-dest=${options.linkDest}`] : []),
    ...(options.backupDir !== undefined ? ['--backup', `--backup-dir=${options.backupDir}`] : []),
    ...options.exclude.map((pattern) => `--exclude=${pattern}`),
    `--out-format=${ITEM_PREFIX}%i %n`,
    '--stats',
    ...(options.remoteShell !== undefined ? ['-e', options.remoteShell] : []),
    '--',
    source,
    options.destination,
  ];
}

/**
 * Parse the stdout of buildRsyncTree's rsync; folders are not counted. A name found in `names`
 * (a staged tree's names, each mapped to itself) is that string, shared by every host's
 * result, not one cut from this host's output. The output is read in place: no array of lines,
 * no string per line or per flags field (at 1,000 hosts of 5,000 files, these were most of
 * what the deploy process allocated: figure M in BENCHMARKS.md).
 */
export function parseRsyncTreeOutput(stdout: string, names?: ReadonlyMap<string, string>): SyncTreeResult {
  // The lists are made at their largest size and cut at the end: no growing (and copying) one item at a time.
  let items = stdout.startsWith(ITEM_PREFIX) ? 1 : 0;
  for (let at = stdout.indexOf(`\n${ITEM_PREFIX}`); at !== -1; at = stdout.indexOf(`\n${ITEM_PREFIX}`, at + 1)) items++;
  const changes: SyncTreeResult = { changed: new Array<string>(items), created: new Array<string>(items), removed: [], bytesSent: 0 };
  let changed = 0;
  let created = 0;
  const folders: string[] = [];
  for (let start = 0; start < stdout.length; ) {
    const newline = stdout.indexOf('\n', start);
    const end = newline === -1 ? stdout.length : newline;
    if (stdout.startsWith(ITEM_PREFIX, start)) {
      // `%i %n`: 11 characters of flags, a space, the name.
      const flags = start + ITEM_PREFIX.length;
      const printed = readRsyncName(stdout.slice(Math.min(flags + 12, end), end));
      const name = names?.get(printed) ?? printed;
      if (stdout.startsWith('*deleting', flags)) {
        if (!name.endsWith('/')) changes.removed.push(name);
      } else if (stdout.startsWith('cd+++++++++', flags)) {
        folders.push(name.replace(/\/$/, ''));
      } else if ((stdout[flags + 1] === 'f' || stdout[flags + 1] === 'L') && flags + 1 < end) {
        changes.changed[changed++] = name;
        if (flags + 11 <= end && stdout.startsWith('+++++++++', flags + 2)) changes.created[created++] = name;
      }
    } else {
      const sent = /^Total bytes sent: ([0-9.,' ]+)$/.exec(stdout.slice(start, end).trim());
      if (sent !== null) changes.bytesSent = Number((sent[1] ?? '').replace(/[^0-9]/g, ''));
    }
    start = end + 1;
  }
  changes.changed.length = changed;
  changes.created.length = created;
  if (folders.length > 0) changes.createdFolders = folders;
  return changes;
}

/** The first line rsync wrote that says what went wrong, for a one-line failure message. */
export function rsyncErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.find((line) => !line.startsWith('rsync error:')) ?? lines[0];
}
