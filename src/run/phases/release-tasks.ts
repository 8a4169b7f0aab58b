import { posix } from 'node:path';
import { lastLine, oneLine } from '../../lib/text.js';
import { buildRemoveTree, refusalReason } from '../../remote-commands/host-script.js';
import { buildCarryOver, parseCarryOver } from '../../remote-commands/release-carry-over.js';
import { buildPrepareRelease, buildSwitchRelease, parseLive } from '../../remote-commands/releases.js';
import type { HostContext, HostTask } from '../../rollout/types.js';
import { type ExecResult, HostFailure, type SyncTreeResult, type Transport } from '../../transport/types.js';
import { transferResult } from './tree-tasks.js';
import type { TreeSync } from './tree-run.js';

/** Run a host script; a refusal or an error fails the host with its one line. */
export async function runHostScript(
  transport: Transport,
  host: string,
  argv: string[],
  what: string,
  context: Pick<HostContext, 'signal' | 'retrying'>,
): Promise<ExecResult> {
  const result = await transport.exec(host, argv, {
    signal: context.signal,
    onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
  });
  if (result.exitCode === 0) return result;
  const refused = refusalReason(result);
  if (refused !== undefined) throw new HostFailure('transfer', oneLine(refused));
  const said = lastLine(result.stderr);
  throw new HostFailure('transfer', oneLine(`${what} failed on ${host}: exit status ${result.exitCode}${said !== '' ? `: ${said}` : ''}`));
}

/** Switch a host's `current` to the release this run built there (one rename); then it is live. */
export async function switchRelease(transport: Transport, sync: TreeSync, host: string, context: Pick<HostContext, 'signal' | 'retrying'>): Promise<void> {
  const built = sync.built.get(host);
  if (built === undefined) return;
  await runHostScript(transport, host, buildSwitchRelease(transport.commandPath(host, sync.deployDir), built.release), 'switching current', context);
  sync.built.delete(host);
}

/**
 * Releases: build the host's new release beside the live one (unchanged files hard-linked from
 * it; a first release holds the whole stage), leaving `current` alone; a host this run never
 * restarts switches right away. A host whose `current` is not a link, or whose releases/ it
 * cannot write, fails with the reason, untouched.
 */
export function releaseSyncTask(transport: Transport, sync: TreeSync): HostTask {
  const path = sync.tree?.relativePath ?? sync.file?.relativePath ?? '.';
  const releaseDir = posix.join(sync.deployDir, 'releases', sync.runId);
  return async (host, context) => {
    const deployDir = transport.commandPath(host, sync.deployDir);
    const prepared = await runHostScript(transport, host, buildPrepareRelease(deployDir, sync.runId, path), 'preparing the release', context);
    const live = parseLive(prepared.stdout).live ?? null;
    const common = { exclude: sync.exclude, delete: false, signal: context.signal, onRetry: context.retrying };
    let result: SyncTreeResult;
    let removedCount: number | undefined;
    if (live === null) {
      // The first release holds all of stage_dir; the synced folder's anchored exclusions are anchored at it.
      const anchored = path === '.' ? [] : sync.exclude.filter((pattern) => pattern.startsWith('/')).map((pattern) => `/${path}${pattern}`);
      result = await transport.syncTree(host, { ...common, exclude: [...sync.exclude, ...anchored], source: sync.stageRoot, destination: releaseDir });
    } else if (sync.tree) {
      const linkDest = posix.join(sync.deployDir, 'releases', live, path);
      result = await transport.syncTree(host, { ...common, source: sync.tree.source, destination: posix.join(releaseDir, path), linkDest });
      const carried = await runHostScript(
        transport,
        host,
        buildCarryOver(deployDir, sync.runId, live, path, { delete: sync.delete, exclude: sync.exclude }),
        'completing the release',
        context,
      );
      const carriedOver = parseCarryOver(carried.stdout);
      result.removed = carriedOver.removed;
      removedCount = carriedOver.removedCount;
    } else {
      const file = sync.file;
      if (file === undefined) throw new HostFailure('transfer', 'nothing to sync');
      await transport.writeFile(host, posix.join(releaseDir, path), file.content, { mode: file.mode, signal: context.signal });
      result = { changed: [path], created: [], removed: [], bytesSent: file.content.length };
    }
    const done = transferResult(result, removedCount);
    if (live !== null && done.note === 'unchanged') {
      // Nothing differs from the live release: no new release, no switch.
      await runHostScript(transport, host, buildRemoveTree(posix.join(deployDir, 'releases', sync.runId)), 'removing the unneeded release', context);
      return done;
    }
    sync.built.set(host, { live, release: sync.runId });
    sync.recorder?.release(host, { layout: 'releases', deployDir: sync.deployDir, from: live, to: sync.runId });
    if (!sync.restarts(host)) await switchRelease(transport, sync, host, context);
    return done;
  };
}
