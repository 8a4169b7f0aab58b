import { BugError } from '../../errors.js';
import type { HostTask } from '../../rollout/types.js';
import type { Transport } from '../../transport/types.js';
import { proxyCopyTask, proxyTreeTask } from './proxy-tree-task.js';
import type { ProxySyncOptions } from './proxy-sync-task.js';
import { releaseSyncTask } from './release-tasks.js';
import { syncTask } from './host-tasks.js';
import { inPlaceTreeTask } from './tree-tasks.js';
import type { TreeSync } from './tree-run.js';

/** With sync_proxies: the phase syncs the proxies themselves, or targets that pull from them. */
export type TreeProxies = { proxy: true } | { proxy: false; pull: Omit<ProxySyncOptions, 'keeper'> };

/**
 * A sync phase's task when the run goes through trees: the proxies' own copy; in place (from a
 * proxy, else from here); or a new release (from here).
 */
export function treeSyncTask(transport: Transport, sync: TreeSync, proxies?: TreeProxies): HostTask {
  if (proxies?.proxy && sync.tree) return proxyCopyTask(transport, sync, sync.tree);
  if (proxies?.proxy && sync.file) return syncTask(transport, sync.file);
  if (sync.layout === 'releases') return releaseSyncTask(transport, sync);
  if (sync.tree === undefined) throw new BugError('an in-place tree sync needs a staged folder');
  if (proxies && !proxies.proxy) return proxyTreeTask(transport, sync, sync.tree, proxies.pull);
  return inPlaceTreeTask(transport, sync, sync.tree);
}
