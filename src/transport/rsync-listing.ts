import { buildRsyncTree, ITEM_PREFIX } from './rsync-tree.js';

/**
 * What rsync itself would send of a local folder (or file): the sync's own argv
 * (buildRsyncTree, so the same `--exclude` words and flags), run with `-n` (nothing written)
 * into an empty folder, so every entry it would send is itemized. `--specials --devices` make
 * rsync list FIFOs, sockets and devices instead of skipping them, for the caller to refuse;
 * rsync not run as root still skips devices, with a `skipping non-regular file` line, which
 * is read too.
 */

export type ListedKind = 'file' | 'dir' | 'link' | 'device' | 'special';

export interface ListedItem {
  /** Relative to the source, as rsync names it (folders without their trailing `/`). */
  path: string;
  kind: ListedKind;
}

export interface RsyncListing {
  items: ListedItem[];
  /** Paths rsync skipped as non-regular files (devices when not root). */
  skipped: string[];
  /** Names that are not UTF-8, as rsync printed them (escaped). */
  undecodable: string[];
}

/** The argv (argv[0] is `rsync`) listing `source` as the sync of it with `exclude` would send it. */
export function buildRsyncListing(source: string, sourceIsFolder: boolean, exclude: readonly string[], emptyFolder: string): string[] {
  const argv = buildRsyncTree({ source, destination: emptyFolder, delete: false, exclude });
  // buildRsyncTree syncs a folder's content (`source/`); the tree of one file is the file itself.
  if (!sourceIsFolder) argv[argv.length - 2] = source;
  return [argv[0] ?? 'rsync', '-n', '--specials', '--devices', ...argv.slice(1)];
}

const KINDS: Record<string, ListedKind> = { f: 'file', d: 'dir', L: 'link', D: 'device', S: 'special' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * rsync (LC_ALL=C) prints every byte outside printable ASCII, and a `\` before `#`, as `\#ooo`:
 * the bytes of the name, decoded as UTF-8; undefined when they are not UTF-8.
 */
export function decodeRsyncName(name: string): string | undefined {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of name.matchAll(/\\#([0-7]{3})/g)) {
    parts.push(Buffer.from(name.slice(last, match.index), 'utf8'), Buffer.from([Number.parseInt(match[1] ?? '0', 8)]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'));
  try {
    return utf8.decode(Buffer.concat(parts));
  } catch {
    return undefined;
  }
}

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
    const item = line.slice(ITEM_PREFIX.length);
    const kind = KINDS[item[1] ?? ''];
    const raw = item.slice(12);
    if (kind === undefined || raw === './' || item.startsWith('*deleting')) continue;
    const path = decode(kind === 'dir' ? raw.replace(/\/$/, '') : raw);
    if (path !== undefined) listing.items.push({ path, kind });
  }
  for (const line of stderr.split('\n')) {
    const skipped = /^skipping non-regular file "(.*)"$/.exec(line.trim());
    const path = skipped ? decode(skipped[1] ?? '') : undefined;
    if (path !== undefined) listing.skipped.push(path);
  }
  return listing;
}
