import { buildSwitchBack } from '../../remote-commands/releases.js';
import { refusalReason } from '../../remote-commands/host-script.js';
import type { HostContext, HostTask, TaskResult } from '../../rollout/types.js';
import type { HostTreeVersion, ReleaseChange } from '../../state/kept-trees.js';
import type { Transport } from '../../transport/types.js';
import { restoreInPlace } from './in-place-restore.js';
import { runHostScript } from './release-tasks.js';

/** What a tree restore puts back: per host, what a tree run changed (state/kept-trees). */
export interface TreeRestore {
  runId: string;
  /** The kept versions folder, where the change sets are. */
  folder: string;
  versions: ReadonlyMap<string, HostTreeVersion>;
}

/** Releases: switch `current` back to the release the run replaced, while the run's release is still live. */
async function switchBack(transport: Transport, host: string, change: ReleaseChange, runId: string, context: HostContext): Promise<TaskResult> {
  if (change.from === null) return { outcome: 'skipped', error: `it had no release before run ${runId}: nothing to switch back to` };
  const argv = buildSwitchBack(transport.commandPath(host, change.deployDir), change.to, change.from);
  const result = await transport.exec(host, argv, { signal: context.signal, onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs) });
  const refused = refusalReason(result);
  if (refused !== undefined)
    return { outcome: 'skipped', error: refused.startsWith('changed since') ? `${refused.replace('changed since', `changed since run ${runId}`)}` : refused };
  if (result.exitCode !== 0) await runHostScript(transport, host, argv, 'switching current back', context);
  return { outcome: 'ok' };
}

/**
 * A sync task that undoes, on one host, what tree run `restore.runId` did: a switch back
 * (releases), or the files it replaced and removed put back from the host's backup folder and
 * those it added removed (in-place). A host whose tree changed since is skipped, untouched.
 */
export function treeRestoreTask(transport: Transport, restore: TreeRestore): HostTask {
  return async (host, context) => {
    const version = restore.versions.get(host);
    if (version === undefined) return { outcome: 'skipped', error: `run ${restore.runId} did not change its tree` };
    if (version.tree.layout === 'releases') return switchBack(transport, host, version.tree, restore.runId, context);
    return restoreInPlace(transport, host, version.tree, restore, context);
  };
}
