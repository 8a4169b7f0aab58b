import { dirname, join } from 'node:path';
import { pathFileName, readPathRecord, writePathRecord } from './path-records.js';

/**
 * The hosts an in-place sync from this machine has put a synced path on, per path (`.` for
 * sync-world): a hint, never trusted over the host. A host on the list gets the usual sync at
 * once, which is right whatever the host now holds; a host not on it is first asked whether it
 * has the folder, so that a new host gets the tree whole (run/phases/new-tree-task.ts). One
 * small file per path, owner-only, written atomically:
 *
 *   <history folder>/tree-hosts/p-<path, URI-encoded>.json   (h-<sha256 of the path>.json when long)
 */

interface TreeHostsRecord {
  path: string;
  hosts: string[];
}

/** `tree-hosts/` beside the history file. */
export function treeHostsFolder(historyFile: string): string {
  return join(dirname(historyFile), 'tree-hosts');
}

/** Missing or damaged: no host is known, so each is asked. */
function readRecord(file: string): Promise<TreeHostsRecord | undefined> {
  return readPathRecord<TreeHostsRecord>(file, (parsed) => typeof parsed.path === 'string' && Array.isArray(parsed.hosts));
}

/** `path` and the paths enclosing it, outermost first: `a/b` → `.`, `a`, `a/b`. */
function enclosing(path: string): string[] {
  if (path === '.') return ['.'];
  const parts = path.split('/');
  return ['.', ...parts.map((_, index) => parts.slice(0, index + 1).join('/'))];
}

/** The hosts recorded for `path` or a path enclosing it (whoever got sync-world's `.` has every path of it). */
export async function readTreeHosts(folder: string, path: string): Promise<Set<string>> {
  const hosts = new Set<string>();
  for (const each of enclosing(path)) {
    const record = await readRecord(join(folder, pathFileName(each)));
    if (record?.path === each) for (const host of record.hosts) if (typeof host === 'string') hosts.add(host);
  }
  return hosts;
}

/** Add `hosts` to those recorded for `path` (written only when that changes the record). */
export async function addTreeHosts(folder: string, path: string, hosts: Iterable<string>): Promise<void> {
  const file = join(folder, pathFileName(path));
  const record = await readRecord(file);
  const known = new Set(record?.path === path ? record.hosts : []);
  const before = record?.path === path ? known.size : -1;
  for (const host of hosts) known.add(host);
  if (known.size === before) return;
  await writePathRecord(folder, path, { path, hosts: [...known].sort() } satisfies TreeHostsRecord);
}
