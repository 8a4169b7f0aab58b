import { BugError } from '../../errors.js';
import type { HostTask } from '../../rollout/types.js';
import type { Transport } from '../../transport/types.js';
import { releaseSyncTask } from './release-tasks.js';
import { inPlaceTreeTask } from './tree-tasks.js';
import type { TreeSync } from './tree-run.js';

/** A sync phase's task when the run goes through trees: in place, or a new release. */
export function treeSyncTask(transport: Transport, sync: TreeSync): HostTask {
  if (sync.layout === 'releases') return releaseSyncTask(transport, sync);
  if (sync.tree === undefined) throw new BugError('an in-place tree sync needs a staged folder');
  return inPlaceTreeTask(transport, sync, sync.tree);
}
