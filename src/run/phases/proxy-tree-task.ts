import { posix } from 'node:path';
import { hostName } from '../../config/hosts.js';
import { lastLine } from '../../lib/text.js';
import { buildRsyncTreePull } from '../../remote-commands/rsync-pull.js';
import type { HostTask } from '../../rollout/types.js';
import { RsyncTreeReader } from '../../transport/rsync-tree.js';
import type { Transport } from '../../transport/types.js';
import type { StagedTree } from '../prepare/staged-tree.js';
import { DIRECT_SOURCE, type ProxySyncOptions, passedOverLines, pullFromProxies } from './proxy-sync-task.js';
import { inPlaceChanged, inPlaceTreeTask, transferResult, treeExclusions } from './tree-tasks.js';
import { BACKUPS_FOLDER, type TreeSync } from './tree-run.js';

/** A proxy's own copy of a tree (sync-proxies): in place under its deploy_dir, which its rsync daemon serves. */
export function proxyCopyTask(transport: Transport, sync: TreeSync, tree: StagedTree): HostTask {
  return async (host, context) =>
    transferResult(
      await transport.syncTree(host, {
        source: tree.source,
        destination: tree.destination,
        exclude: treeExclusions(sync, tree),
        delete: sync.delete,
        signal: context.signal,
        onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
      }),
    );
}

/**
 * In place, with sync_proxies: the target pulls the tree from its proxies in turn (rsync from
 * the proxy's daemon, with the direct sync's guarantees: delayed updates and deletions, the
 * run's backup on the host), and gets it straight from this machine when none served it.
 * Nothing leaves this machine for a target served by a proxy: its bytesSent is 0.
 */
export function proxyTreeTask(transport: Transport, sync: TreeSync, tree: StagedTree, options: Omit<ProxySyncOptions, 'keeper'>): HostTask {
  const direct = inPlaceTreeTask(transport, sync, tree);
  const backupDir = posix.join(sync.deployDir, BACKUPS_FOLDER, sync.runId, tree.relativePath);
  const exclude = treeExclusions(sync, tree);
  return async (host, context) => {
    const { proxy, got, passedOver } = await pullFromProxies(host, options, async (from) => {
      const argv = buildRsyncTreePull({
        proxy: hostName(from),
        ...(options.daemonPort !== undefined ? { daemonPort: options.daemonPort } : {}),
        module: options.module,
        relativePath: tree.relativePath === '.' ? '' : tree.relativePath,
        destination: transport.commandPath(host, tree.destination),
        timeoutSeconds: options.timeoutSeconds,
        delete: sync.delete,
        exclude,
        backupDir: transport.commandPath(host, backupDir),
      });
      // The items are read as they arrive, from all of stdout: the result's copy is cut at
      // OUTPUT_CAP_BYTES, which a first pull of a few thousand files outgrows.
      const items = new RsyncTreeReader(sync.names);
      const result = await transport.exec(host, argv, {
        signal: context.signal,
        onStart: () => context.commandStarted(),
        onOutput: (stream, piece) => {
          if (stream === 'stdout') items.push(piece);
          context.activity();
        },
        onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
      });
      // The last line rsync wrote: its exit summary names the cause.
      return { exitCode: result.exitCode, reason: lastLine(result.stderr), ...(result.exitCode === 0 ? { got: items.result() } : {}) };
    });
    if (proxy !== undefined && got !== undefined) {
      const pulled = { ...got, bytesSent: 0 };
      const done = transferResult(pulled);
      if (done.note === undefined)
        await inPlaceChanged(transport, sync, host, { result: pulled, destination: tree.destination, backupDir, signal: context.signal });
      options.sources.set(host, proxy);
      return { ...done, ...passedOverLines(passedOver) };
    }
    const done = await direct(host, context);
    options.sources.set(host, DIRECT_SOURCE);
    return { ...done, ...passedOverLines(passedOver) };
  };
}
