import { posix } from 'node:path';
import type { HostTask, TaskResult } from '../../rollout/types.js';
import type { SyncTreeResult, Transport } from '../../transport/types.js';
import { syncNewTree, type TreeSyncBase } from './new-tree-task.js';
import { tidyBackups } from './tree-housekeeping.js';
import { BACKUPS_FOLDER, type TreeSync } from './tree-run.js';
import type { StagedTree } from '../prepare/staged-tree.js';

/**
 * A tree sync's counts for the report; a host that needed nothing is `unchanged`. `removed`: the
 * host's own count, when its list of names may have been cut (the output cap).
 */
export function transferResult(result: SyncTreeResult, removed = result.removed.length): TaskResult {
  const transfer = { changed: result.changed.length, removed, bytesSent: result.bytesSent };
  return { outcome: 'ok', transfer, ...(transfer.changed + transfer.removed === 0 ? { note: 'unchanged' } : {}) };
}

/** The exclusions of a sync of `tree`: sync_exclude, and the host's own backup folder when the whole deploy_dir is synced. */
export function treeExclusions(sync: TreeSync, tree: StagedTree): readonly string[] {
  return tree.relativePath === '.' ? [...sync.exclude, `/${BACKUPS_FOLDER.split('/')[0]}/`] : sync.exclude;
}

/** Longest wait for a host's prune of old backups; past it the host keeps them, with a warning. */
const TIDY_LIMIT_MS = 60_000;

/**
 * In-place, after a sync that changed the host's tree (direct or pulled from a proxy): its
 * change set recorded for rollback; in a run that prunes (one in PRUNE_EVERY), its backups
 * older than the last runs' are removed beside the window (tidyBackups: the host's slot is free
 * at once).
 */
export async function inPlaceChanged(
  transport: Transport,
  sync: TreeSync,
  host: string,
  change: { result: SyncTreeResult; destination: string; backupDir: string; signal: AbortSignal },
): Promise<void> {
  await sync.recorder?.inPlace(host, change.result, change.destination, change.backupDir);
  if (sync.pruneBackups) sync.tidying.push(tidyBackups(transport, sync, host, AbortSignal.any([change.signal, AbortSignal.timeout(TIDY_LIMIT_MS)])));
}

/**
 * In-place: the host's copy of the folder becomes the staged one (changed and new files
 * renamed into place together, deletions after); what it replaces or removes is kept on the
 * host, by rename, in this run's backup folder, and the change set on this machine. A host
 * without the folder gets it whole, by one rename (syncNewTree; asked only of a host this
 * machine has not put the tree on before).
 */
export function inPlaceTreeTask(transport: Transport, sync: TreeSync, tree: StagedTree): HostTask {
  const backupDir = posix.join(sync.deployDir, BACKUPS_FOLDER, sync.runId, tree.relativePath);
  const exclude = treeExclusions(sync, tree);
  return async (host, context) => {
    const base: TreeSyncBase = {
      source: tree.source,
      exclude,
      names: sync.names,
      signal: context.signal,
      onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
    };
    const result =
      (sync.knownHosts.has(host) ? undefined : await syncNewTree(transport, host, tree.destination, sync.runId, base)) ??
      (await transport.syncTree(host, { ...base, destination: tree.destination, delete: sync.delete, backupDir }));
    const done = transferResult(result);
    if (done.note === undefined) await inPlaceChanged(transport, sync, host, { result, destination: tree.destination, backupDir, signal: context.signal });
    return done;
  };
}
