import { ITEM_PREFIX } from '../src/lib/rsync-tree-options.js';
import { RsyncTreeReader } from '../src/transport/rsync-tree.js';
import type { SyncTreeOptions, SyncTreeResult } from '../src/transport/types.js';
import { differs, excludedPath, type FakeTreeEntry, readTree, sizeOf } from './fake-tree.js';

/** What one read of a pipe gives node: stdout reaches the reader in pieces of this size at most. */
const PIPE_CHUNK = 64 * 1024;

/** A folder's listing: relative path to entry. */
export type Listing = ReadonlyMap<string, FakeTreeEntry>;

/** What one sync from a folder's listing to a source's did: its lists (shared by the hosts it fits) and counts. */
interface SharedSync {
  from: Listing;
  to: Listing;
  /** delete and exclude, as one key. */
  rule: string;
  result: Readonly<SyncTreeResult>;
  /** rsync's stdout for it, line by line; each host joins its own string. */
  lines: readonly string[];
  /** Entries of `from` neither in `to` nor removed. */
  kept: number;
}

/**
 * FakeFleet's `shareTrees` mode, for benchmarks of the deploy process at thousands of hosts: a
 * source folder is listed once (sizes, modes and mtimes, not contents); a host that syncs it
 * holds the listing by reference; and hosts that go from the same listing to the same one share
 * one comparison (the hosts' memory and work are not the deploy process's). What each host
 * returns is what a real transport returns: rsync's itemized output, each host's own text,
 * read by the real reader (with the staged names when given) in pipe-sized pieces, as a real
 * transport reads rsync's stdout.
 */
export class SharedTrees {
  private readonly sources = new Map<string, Promise<Listing>>();
  /** Per host, each synced folder's listing. */
  private readonly held = new Map<string, Map<string, Listing>>();
  private readonly empty: Listing = new Map();
  private last: SharedSync | undefined;

  /** The listing of `source` with `exclude`, read at its first sync after a relist. */
  source(source: string, exclude: readonly string[]): Promise<Listing> {
    const key = JSON.stringify([source, exclude]);
    let tree = this.sources.get(key);
    if (tree === undefined) {
      tree = readTree(source, exclude, true);
      this.sources.set(key, tree);
    }
    return tree;
  }

  /** List the sources again at their next sync (the stage changed). */
  relist(): void {
    this.sources.clear();
  }

  /** syncTree's rules: the host's folder becomes `wanted`, by reference when nothing is kept beside it. */
  sync(host: string, wanted: Listing, options: SyncTreeOptions): SyncTreeResult {
    const held = this.held.get(host) ?? new Map<string, Listing>();
    this.held.set(host, held);
    const root = options.destination.replace(/\/+$/, '');
    const current = held.get(root) ?? this.empty;
    const rule = JSON.stringify([options.delete, options.exclude]);
    const last = this.last;
    const sync = last !== undefined && last.from === current && last.to === wanted && last.rule === rule ? last : compare(current, wanted, options, rule);
    this.last = sync;
    if (sync.kept === 0) held.set(root, wanted);
    else {
      const merged = new Map(current);
      for (const relative of sync.result.removed) merged.delete(relative);
      for (const [relative, entry] of wanted) merged.set(relative, entry);
      held.set(root, merged);
    }
    const reader = new RsyncTreeReader(options.names);
    let piece = '';
    for (const line of sync.lines) {
      if (piece.length + line.length + 1 > PIPE_CHUNK) {
        reader.push(piece);
        piece = '';
      }
      piece += `${line}\n`;
    }
    reader.push(piece);
    return reader.result();
  }
}

/** A name as rsync (LC_ALL=C) prints it: bytes outside printable ASCII, and a `\\` before `#`, as `\\#ooo`. */
function printed(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes('\\#')) return name;
  const bytes = Buffer.from(name);
  let text = '';
  for (const [index, byte] of bytes.entries()) {
    const escape = byte < 0x20 || byte > 0x7e || (byte === 0x5c && bytes[index + 1] === 0x23);
    text += escape ? `\\#${byte.toString(8).padStart(3, '0')}` : String.fromCharCode(byte);
  }
  return text;
}

/** rsync's stdout for a sync (`--out-format=deploy-item %i %n`, `--stats`), line by line. */
function itemized(result: SyncTreeResult, links: ReadonlySet<string>): string[] {
  const created = new Set(result.created);
  const lines = result.changed.map((name) => {
    const kind = links.has(name) ? 'cL' : '>f';
    return `${ITEM_PREFIX}${kind}${created.has(name) ? '+++++++++' : '.st......'} ${printed(name)}`;
  });
  for (const name of result.removed) lines.push(`${ITEM_PREFIX}*deleting   ${printed(name)}`);
  lines.push('', `Total bytes sent: ${result.bytesSent.toLocaleString('en-US')}`, '');
  return lines;
}

function compare(current: Listing, wanted: Listing, options: SyncTreeOptions, rule: string): SharedSync {
  const result = { changed: [] as string[], created: [] as string[], removed: [] as string[], bytesSent: 0 };
  const links = new Set<string>();
  for (const [relative, entry] of wanted) {
    const now = current.get(relative);
    if (!differs(now, entry)) continue;
    result.changed.push(relative);
    if (entry.symlink) links.add(relative);
    if (now === undefined) result.created.push(relative);
    result.bytesSent += sizeOf(entry);
  }
  let kept = 0;
  for (const relative of current.keys()) {
    if (wanted.has(relative)) continue;
    if (options.delete && !excludedPath(options.exclude, relative)) result.removed.push(relative);
    else kept++;
  }
  return { from: current, to: wanted, rule, result, lines: itemized(result, links), kept };
}
