import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../lib/sha256.js';
import { changeSetObject, keepChangeSet, recordTreeVersion, type ReleaseChange, type WrittenPath } from '../../state/kept-trees.js';
import type { SyncTreeResult } from '../../transport/types.js';

/** Records, for one tree run, what each host's change was (see state/kept-trees). */
export interface TreeRecorder {
  /** An in-place host synced: keep its change set (what it wrote, added, removed). Never throws. */
  inPlace(host: string, result: SyncTreeResult, destination: string, backupDir: string): Promise<void>;
  /** A host built a release (releases layout). Never throws. */
  release(host: string, change: ReleaseChange): void;
  /** Whether a host's change is on record (a host whose change is not kept cannot be rolled back). */
  recorded(host: string): boolean;
}

/**
 * A recorder writing to the run's record in `folder`. What a file the run wrote holds is read
 * from `source` (the staged folder) once per path, whatever the number of hosts.
 */
export function createTreeRecorder(folder: string, runId: string, path: string, source: string, warn: (text: string) => void): TreeRecorder {
  const contents = new Map<string, Promise<string>>();
  // Hosts with the same change set keep it once: the others wait for that one write.
  const writing = new Map<string, Promise<string>>();
  const recorded = new Set<string>();
  let warned = false;
  const failed = (host: string, error: unknown): void => {
    if (warned) return;
    warned = true;
    warn(`could not record the change on ${host} in ${folder}: ${(error as Error).message}; a host whose change is not recorded cannot be rolled back`);
  };
  const contentOf = (relative: string): Promise<string> => {
    let pending = contents.get(relative);
    if (pending === undefined) {
      const local = join(source, relative);
      pending = lstat(local).then(async (info) => (info.isSymbolicLink() ? `->${await readlink(local)}` : sha256(await readFile(local))));
      contents.set(relative, pending);
    }
    return pending;
  };
  return {
    async inPlace(host, result, destination, backupDir) {
      try {
        const wrote: WrittenPath[] = await Promise.all(result.changed.map(async (relative): Promise<WrittenPath> => [relative, await contentOf(relative)]));
        const folders = result.createdFolders ?? [];
        const object = changeSetObject({ wrote, added: result.created, removed: result.removed, ...(folders.length > 0 ? { folders } : {}) });
        let pending = writing.get(object.hash);
        if (pending === undefined) {
          pending = keepChangeSet(folder, object);
          writing.set(object.hash, pending);
          pending.catch(() => writing.delete(object.hash));
        }
        const changes = await pending;
        recordTreeVersion(folder, runId, { host, path, tree: { layout: 'in-place', destination, backupDir, changes } });
        recorded.add(host);
      } catch (error) {
        failed(host, error);
      }
    },
    release(host, change) {
      try {
        recordTreeVersion(folder, runId, { host, path, tree: change });
        recorded.add(host);
      } catch (error) {
        failed(host, error);
      }
    },
    recorded: (host) => recorded.has(host),
  };
}
