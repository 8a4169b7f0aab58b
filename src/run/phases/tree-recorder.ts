import { type ChangeSetDraft, changeSetHash, keepChangeSet, recordTreeVersion, type ReleaseChange, sameDraft } from '../../state/kept-trees.js';
import type { SyncTreeResult } from '../../transport/types.js';
import { stagedContents } from './staged-contents.js';

/** Records, for one tree run, what each host's change was (see state/kept-trees). */
export interface TreeRecorder {
  /** An in-place host synced: keep its change set (what it wrote, added, removed). Never throws. */
  inPlace(host: string, result: SyncTreeResult, destination: string, backupDir: string): Promise<void>;
  /** A host built a release (releases layout). Never throws. */
  release(host: string, change: ReleaseChange): void;
  /** Whether a host's change is on record (a host whose change is not kept cannot be rolled back). */
  recorded(host: string): boolean;
}

/** Distinct change sets of a run remembered with their names (a first sync has one, whatever the number of hosts). */
const NAMED_DRAFTS = 4;

/**
 * A recorder writing to the run's record in `folder`. What a file the run wrote holds is read
 * from `source` (the staged folder) once per path, whatever the number of hosts.
 */
export function createTreeRecorder(folder: string, runId: string, path: string, source: string, warn: (text: string) => void): TreeRecorder {
  const contents = stagedContents(source);
  // Hosts with the same change set keep it once: the others wait for that one write.
  const writing = new Map<string, Promise<string>>();
  const contentOf = (relative: string): string => contents.get(relative) ?? '';
  // The last distinct change sets named: a host with the same lists gets the name without
  // learning its paths or hashing its change set again.
  const named: Array<{ draft: ChangeSetDraft; hash: string }> = [];
  const namedAlready = (draft: ChangeSetDraft): string | undefined => named.find((entry) => sameDraft(entry.draft, draft))?.hash;
  const nameOf = async (draft: ChangeSetDraft): Promise<string> => {
    const seen = namedAlready(draft);
    if (seen !== undefined) return seen;
    await contents.learn(draft.wrote);
    // Another host may have named the same change set meanwhile.
    const meanwhile = namedAlready(draft);
    if (meanwhile !== undefined) return meanwhile;
    const hash = changeSetHash(draft);
    named.unshift({ draft, hash });
    named.length = Math.min(named.length, NAMED_DRAFTS);
    return hash;
  };
  const recorded = new Set<string>();
  let warned = false;
  const failed = (host: string, error: unknown): void => {
    if (warned) return;
    warned = true;
    warn(`could not record the change on ${host} in ${folder}: ${(error as Error).message}; a host whose change is not recorded cannot be rolled back`);
  };
  return {
    async inPlace(host, result, destination, backupDir) {
      try {
        const folders = result.createdFolders ?? [];
        // The host's own lists and the run's contents: no pair per path and per host.
        const changeSet: ChangeSetDraft = {
          wrote: result.changed,
          contentOf,
          added: result.created,
          removed: result.removed,
          ...(folders.length > 0 ? { folders } : {}),
        };
        const hash = await nameOf(changeSet);
        let pending = writing.get(hash);
        if (pending === undefined) {
          pending = keepChangeSet(folder, changeSet, hash);
          writing.set(hash, pending);
          pending.catch(() => writing.delete(hash));
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
