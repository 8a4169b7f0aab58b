import { decodeRsyncName } from '../lib/rsync-names.js';
import { ITEM_PREFIX } from '../lib/rsync-tree-options.js';
import { buildRsyncTree } from './rsync-tree.js';

export { decodeRsyncName } from '../lib/rsync-names.js';

/**
 * What rsync itself would send of a local folder (or file): the sync's own argv
 * (buildRsyncTree, so the same `--exclude` words and flags), run with `-n` (nothing written)
 * into an empty folder, so every entry it would send is itemized, with its length, permission
 * bits and mtime (run it with TZ=UTC and LC_ALL=C). `--specials --devices` make rsync list
 * FIFOs, sockets and devices instead of skipping them, for the caller to refuse; rsync not run
 * as root still skips devices, with a `skipping non-regular file` line, which is read too.
 */

export type ListedKind = 'file' | 'dir' | 'link' | 'device' | 'special';

export interface ListedItem {
  /** Relative to the source, as rsync names it (folders without their trailing `/`). */
  path: string;
  kind: ListedKind;
  /** rsync's `%l`: a file's bytes, a link target's length. */
  size: number;
  /** Permission bits, from rsync's `%B`. */
  mode: number;
  /** rsync's `%M`: whole seconds. */
  mtimeMs: number;
}

export interface RsyncListing {
  items: ListedItem[];
  /** Paths rsync skipped as non-regular files (devices when not root). */
  skipped: string[];
  /** Names that are not UTF-8, as rsync printed them (escaped). */
  undecodable: string[];
}

/** The env the listing's rsync runs with: item lines in ASCII, mtimes in UTC. */
export const LISTING_ENV = { LC_ALL: 'C', TZ: 'UTC' };

/** The argv (argv[0] is `rsync`) listing `source` as the sync of it with `exclude` would send it. */
export function buildRsyncListing(source: string, sourceIsFolder: boolean, exclude: readonly string[], emptyFolder: string): string[] {
  const argv = buildRsyncTree({ source, destination: emptyFolder, delete: false, exclude });
  // buildRsyncTree syncs a folder's content (`source/`); the tree of one file is the file itself.
  if (!sourceIsFolder) argv[argv.length - 2] = source;
  const items = argv.map((word) => (word.startsWith('--out-format=') ? `--out-format=${ITEM_PREFIX}%i %l %B %M %n` : word));
  return [items[0] ?? 'rsync', '-n', '--specials', '--devices', ...items.slice(1)];
}

const KINDS: Record<string, ListedKind> = { f: 'file', d: 'dir', L: 'link', D: 'device', S: 'special' };
/** `rwsr-x--T` (rsync's `%B`, as `ls` shows them) as mode bits. */
export function parsePermissions(text: string): number {
  let mode = 0;
  for (const [index, char] of [...text.slice(-9)].entries()) {
    if (index % 3 === 2 ? 'xst'.includes(char) : char !== '-') mode |= 1 << (8 - index);
    if ('sS'.includes(char)) mode |= index === 2 ? 0o4000 : 0o2000;
    if ('tT'.includes(char)) mode |= 0o1000;
  }
  return mode;
}

const ITEM = /^(.)(.)\S{9} (\d+) (\S+) (\d{4})\/(\d\d)\/(\d\d)-(\d\d):(\d\d):(\d\d) (.*)$/;

/** Parse the stdout and stderr of buildRsyncListing's rsync. */
export function parseRsyncListing(stdout: string, stderr: string): RsyncListing {
  const listing: RsyncListing = { items: [], skipped: [], undecodable: [] };
  const decode = (raw: string): string | undefined => {
    const name = decodeRsyncName(raw);
    if (name === undefined) listing.undecodable.push(raw);
    return name;
  };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(ITEM_PREFIX)) continue;
    const match = ITEM.exec(line.slice(ITEM_PREFIX.length));
    const kind = KINDS[match?.[2] ?? ''];
    if (match === null || kind === undefined || match[1] === '*') continue;
    const [, , , size, permissions, year, month, day, hour, minute, second, raw = ''] = match;
    if (raw === './') continue;
    const path = decode(kind === 'dir' ? raw.replace(/\/$/, '') : raw);
    const mtimeMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
    if (path !== undefined) listing.items.push({ path, kind, size: Number(size), mode: parsePermissions(permissions ?? ''), mtimeMs });
  }
  for (const line of stderr.split('\n')) {
    const skipped = /^skipping non-regular file "(.*)"$/.exec(line.trim());
    const path = skipped ? decode(skipped[1] ?? '') : undefined;
    if (path !== undefined) listing.skipped.push(path);
  }
  return listing;
}
