import { readRsyncName } from '../lib/rsync-names.js';
import { NO_STAGED_NAMES, PrefixList, type StagedNames } from '../lib/staged-names.js';
import { ITEM_PREFIX, type TreeSyncGuarantees, treeSyncOptions } from '../lib/rsync-tree-options.js';
import type { SyncTreeOptions, SyncTreeResult } from './types.js';

/**
 * The local rsync that syncs a folder of this machine to a host's folder, built as data, and
 * the parser of what it prints. Transports run it: `ssh` with `-e` naming the tunnel's remote
 * shell (rsync's server runs on the host over deploy's own SSH connection), `local` straight
 * into the host's folder.
 *
 * - `-rlpt`: recursive, symlinks as symlinks, permissions, mtimes; no owner or group (files
 *   belong to the remote user). rsync's quick check (size and mtime) decides what moves, so a
 *   file changed by hand on a host (new mtime) is replaced.
 * - `-s` (secluded args): paths, `--link-dest` and filters travel inside rsync's protocol, so
 *   the command the host runs is only `rsync --server <flags> .`, nothing a shell could read.
 * - then treeSyncOptions (lib/rsync-tree-options.ts): delayed updates and deletions,
 *   exclusions, backups or hard links, items and stats.
 */

export interface RsyncTreeOptions extends TreeSyncGuarantees {
  /** The local folder whose content is synced. */
  source: string;
  /** The destination folder as rsync reads it: a local path, or `<host>:<path>` with `remoteShell`. */
  destination: string;
  /** The `-e` command (already one string, as rsync splits it). */
  remoteShell?: string;
}

/**
 * A transport's tree sync as buildRsyncTree's options: what it keeps, removes and links as asked,
 * with `destination` as rsync reads it, and the other folders on the host (linkDest, backupDir)
 * as `onHost` places them (the local transport: inside the host's folder; ssh: as they are).
 */
export function rsyncTreeOptions(sync: SyncTreeOptions, destination: string, onHost: (path: string) => string = (path) => path): RsyncTreeOptions {
  return {
    source: sync.source,
    destination,
    delete: sync.delete,
    exclude: sync.exclude,
    ...(sync.linkDest !== undefined ? { linkDest: onHost(sync.linkDest) } : {}),
    ...(sync.backupDir !== undefined ? { backupDir: onHost(sync.backupDir) } : {}),
    ...(sync.newFolder ? { newFolder: true } : {}),
  };
}

/** The argv of the local rsync (argv[0] is `rsync`). */
export function buildRsyncTree(options: RsyncTreeOptions): string[] {
  const source = options.source.endsWith('/') ? options.source : `${options.source}/`;
  return [
    'rsync',
    '-rlpt',
    '-s',
    ...treeSyncOptions(options),
    ...(options.remoteShell !== undefined ? ['-e', options.remoteShell] : []),
    '--',
    source,
    options.destination,
  ];
}

/** Longest line held while its end is awaited; an item line is far shorter (a name is at most PATH_MAX bytes, escaped). */
const LINE_LIMIT = 64 * 1024;

/**
 * Reads the stdout of buildRsyncTree's rsync, or of a tree pull (remote-commands' rsync-pull:
 * the same `--out-format` and `--stats`), piece by piece as it arrives: only the names of the
 * items and the bytes sent are kept, never the text, so an item list of any length is read
 * whole at the cost of its names (plus one unfinished line). Folders are not counted.
 */
export class RsyncTreeReader {
  /**
   * `names`: a staged tree's names: a name found there is that string, shared by every host's
   * result, and lists that are the staged files from the start are held as counts (PrefixList).
   */
  constructor(private readonly names: StagedNames = NO_STAGED_NAMES) {
    this.changed = new PrefixList(names.files);
    this.created = new PrefixList(names.files);
  }

  private readonly changed: PrefixList;
  private readonly created: PrefixList;
  private readonly removed: string[] = [];
  private bytesSent = 0;
  private readonly folders: string[] = [];
  /** The text after the last newline so far. */
  private partial = '';
  /** The current line ran past LINE_LIMIT: it is no item, and is skipped to its end. */
  private overlong = false;

  push(text: string): void {
    const lines = text.split('\n');
    const rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!this.overlong) this.read(this.partial + line);
      this.partial = '';
      this.overlong = false;
    }
    if (this.overlong) return;
    this.partial += rest;
    if (this.partial.length > LINE_LIMIT) {
      this.partial = '';
      this.overlong = true;
    }
  }

  /** What was read, once the output has ended (a last line without a newline included). */
  result(): SyncTreeResult {
    if (!this.overlong && this.partial !== '') this.read(this.partial);
    this.partial = '';
    const changes: SyncTreeResult = { changed: this.changed.list(), created: this.created.list(), removed: this.removed, bytesSent: this.bytesSent };
    return this.folders.length > 0 ? { ...changes, createdFolders: this.folders } : changes;
  }

  private read(line: string): void {
    if (line.startsWith(ITEM_PREFIX)) {
      const item = line.slice(ITEM_PREFIX.length);
      const flags = item.slice(0, 11);
      const printed = readRsyncName(item.slice(12));
      const name = this.names.paths.get(printed) ?? printed;
      if (flags.startsWith('*deleting')) {
        if (!name.endsWith('/')) this.removed.push(name);
      } else if (flags.startsWith('cd+++++++++')) {
        this.folders.push(name.replace(/\/$/, ''));
      } else if (flags[1] === 'f' || flags[1] === 'L') {
        this.changed.push(name);
        if (flags.slice(2) === '+++++++++') this.created.push(name);
      }
      return;
    }
    const sent = /^Total bytes sent: ([0-9.,' ]+)$/.exec(line.trim());
    if (sent !== null) this.bytesSent = Number((sent[1] ?? '').replace(/[^0-9]/g, ''));
  }
}

/** Parse the whole stdout of buildRsyncTree's rsync at once (RsyncTreeReader, `names` as there); folders are not counted. */
export function parseRsyncTreeOutput(stdout: string, names?: StagedNames): SyncTreeResult {
  const reader = new RsyncTreeReader(names);
  reader.push(stdout);
  return reader.result();
}

/** The first line rsync wrote that says what went wrong, for a one-line failure message. */
export function rsyncErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.find((line) => !line.startsWith('rsync error:')) ?? lines[0];
}
