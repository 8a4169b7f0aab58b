import type { HostTask } from '../../rollout/types.js';
import { readKeptContent, type HostVersion } from '../../state/kept-versions.js';
import type { HostTreeVersion } from '../../state/kept-trees.js';
import type { Transport, WriteResult } from '../../transport/types.js';
import type { VersionKeeper } from './version-keeper.js';

/** What a restore puts back: per host, what a run replaced, read from the kept versions. */
export interface Restore {
  /** The run whose changes are undone. */
  runId: string;
  /** The kept versions folder (state/kept-versions). */
  folder: string;
  /** Each host the run changed. */
  versions: ReadonlyMap<string, HostVersion>;
  /** A tree run: what it changed on each host (then `versions` is empty). */
  trees?: ReadonlyMap<string, HostTreeVersion>;
}

/**
 * A sync task that puts back, on one host, what `restore.runId` replaced: the kept old content
 * (atomically, with its old mode) or, where there was no file, no file. It touches only a host
 * whose file is still what that run wrote (`expect`); any other is skipped with the reason,
 * never overwritten. With a keeper, what it replaces is kept in turn (a rollback can be undone).
 */
export function restoreTask(transport: Transport, restore: Restore, keeper?: VersionKeeper): HostTask {
  return async (host, context) => {
    const version = restore.versions.get(host);
    if (version === undefined) return { outcome: 'skipped', error: `run ${restore.runId} did not change its file` };
    const options = {
      signal: context.signal,
      onRetry: (attempt: number, error: Error, delayMs: number) => context.retrying(attempt, error, delayMs),
      expect: version.after?.sha256 ?? null,
      ...(keeper ? { keep: (previous: Parameters<VersionKeeper['keep']>[1]) => keeper.keep(host, previous) } : {}),
    };
    let written: WriteResult;
    let restored: { content: Buffer; mode: number } | null = null;
    if (version.before === null) {
      written = await transport.removeFile(host, version.path, options);
    } else {
      restored = { content: await readKeptContent(restore.folder, version.before), mode: version.before.mode };
      written = await transport.writeFile(host, version.path, restored.content, { ...options, mode: restored.mode });
    }
    if (written.conflict !== undefined) return { outcome: 'skipped', error: `changed since run ${restore.runId}: ${written.conflict}` };
    if (!written.changed) return { outcome: 'ok', note: 'unchanged' };
    keeper?.replaced(host, version.path, restored);
    return { outcome: 'ok' };
  };
}
