import { buildRemoveTree } from '../../remote-commands/host-script.js';
import { buildPlaceTree, buildProbeTree, newTreeFolder, parseYesNo } from '../../remote-commands/new-tree.js';
import { addTreeHosts, treeHostsFolder } from '../../state/tree-hosts.js';
import type { SyncTreeOptions, SyncTreeResult, Transport } from '../../transport/types.js';
import type { ExecutionResult } from './phase-run.js';
import { syncedHosts } from './tree-housekeeping.js';
import type { TreeSync } from './tree-run.js';

/** What an in-place sync of a host gives rsync whichever way it goes: source, exclusions, names, signal, retries. */
export type TreeSyncBase = Pick<SyncTreeOptions, 'source' | 'exclude' | 'names' | 'signal' | 'onRetry'>;

/**
 * In-place, a host that does not have the tree yet (remote-commands/new-tree.ts): the tree is
 * written whole into a new folder beside `destination`, without `--delay-updates` (nothing
 * reads that folder), then put in place by one rename. Undefined when the host has something at
 * `destination`, or got it meanwhile, or the probe could not tell: the usual sync does it then.
 * A transfer that fails removes its new folder when the host can still be reached (and the
 * next run's probe does otherwise), so a failed host is left as it was.
 */
export async function syncNewTree(
  transport: Transport,
  host: string,
  destination: string,
  runId: string,
  base: TreeSyncBase,
): Promise<SyncTreeResult | undefined> {
  if (destination === '/') return undefined;
  const { signal, onRetry } = base;
  const probe = await transport.exec(host, buildProbeTree(transport.commandPath(host, destination)), { signal, brief: true, ...(onRetry ? { onRetry } : {}) });
  if (probe.exitCode !== 0 || parseYesNo(probe.stdout, 'present') !== false) return undefined;
  const folder = newTreeFolder(destination, runId);
  let result: SyncTreeResult;
  try {
    result = await transport.syncTree(host, { ...base, destination: folder, delete: false, newFolder: true });
  } catch (error) {
    await removeNewFolder(transport, host, folder);
    throw error;
  }
  const placed = await transport.exec(host, buildPlaceTree(transport.commandPath(host, folder), transport.commandPath(host, destination)), {
    signal,
    brief: true,
  });
  if (placed.exitCode === 0 && parseYesNo(placed.stdout, 'placed') === true) return result;
  if (placed.exitCode !== 0) await removeNewFolder(transport, host, folder);
  return undefined;
}

/** Best effort, bounded, on its own signal (the run's may be what stopped the transfer). */
async function removeNewFolder(transport: Transport, host: string, folder: string): Promise<void> {
  await transport.exec(host, buildRemoveTree(transport.commandPath(host, folder)), { signal: AbortSignal.timeout(10_000), brief: true }).catch(() => undefined);
}

/**
 * After an in-place tree run: the hosts whose sync of the tree went through are noted as having
 * it (state/tree-hosts.ts), so that their next run syncs at once, without asking. A failure to
 * note is one warning: the next run only asks again.
 */
export async function noteTreeHosts(execution: ExecutionResult, sync: TreeSync, historyFile: string, warn: (text: string) => void): Promise<void> {
  if (sync.layout !== 'in-place' || sync.tree === undefined) return;
  const hosts = syncedHosts(execution, { changed: false });
  if (hosts.length === 0) return;
  await addTreeHosts(treeHostsFolder(historyFile), sync.tree.relativePath, hosts).catch((error: Error) =>
    warn(`could not note the hosts that have ${sync.tree?.relativePath}: ${error.message}`),
  );
}
