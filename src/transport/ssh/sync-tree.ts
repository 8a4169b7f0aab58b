import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { oneLine } from '../../lib/text.js';
import { runRsync } from '../rsync-run.js';
import { buildRsyncTree, parseRsyncTreeOutput, rsyncErrorLine } from '../rsync-tree.js';
import { HostFailure, type SyncTreeOptions, type SyncTreeResult } from '../types.js';
import { openRsyncTunnel } from './rsync-tunnel.js';
import type { SshConnection } from './ssh-connection.js';
import { targetLabel } from './target.js';

/** The rsh client next to this module once built; from the sources (tests), the build's copy. */
export function defaultRshClientPath(): string {
  const built = fileURLToPath(new URL('./rsh-client.js', import.meta.url));
  if (existsSync(built)) return built;
  return fileURLToPath(new URL('../../../dist/src/transport/ssh/rsh-client.js', import.meta.url));
}

/**
 * Sync a local folder to `options.destination` on the connection's host: the local rsync,
 * its rsh client, the tunnel, `rsync --server` on the host over this connection. A failed or
 * stopped transfer leaves the old tree (delay-updates); the connection breaking fails the
 * host as connection-lost, anything else as transfer.
 */
export async function syncRemoteTree(connection: SshConnection, options: SyncTreeOptions, clientPath: string): Promise<SyncTreeResult> {
  options.signal.throwIfAborted();
  const tunnel = await openRsyncTunnel(connection, clientPath).catch((error: unknown) => {
    throw new HostFailure(
      'transfer',
      oneLine(`transfer failed: ${options.destination} on ${targetLabel(connection.target)}: cannot open the rsync tunnel here: ${(error as Error).message}`),
    );
  });
  const lost = new AbortController();
  const stopWatching = connection.onLost((failure) => lost.abort(failure));
  try {
    const argv = buildRsyncTree({
      source: options.source,
      destination: `deploy:${options.destination}`,
      delete: options.delete,
      exclude: options.exclude,
      ...(options.linkDest !== undefined ? { linkDest: options.linkDest } : {}),
      ...(options.backupDir !== undefined ? { backupDir: options.backupDir } : {}),
      remoteShell: tunnel.remoteShell,
    });
    const run = await runRsync(argv, AbortSignal.any([options.signal, lost.signal]));
    if (run.exitCode === 0) return parseRsyncTreeOutput(run.stdout, options.names);
    if (connection.failure !== undefined) throw connection.failure;
    const remote = tunnel.remote();
    const reason =
      remote.refused ??
      (remote.exitCode !== undefined && remote.exitCode !== 0 ? rsyncErrorLine(remote.stderr) : undefined) ??
      rsyncErrorLine(run.stderr) ??
      `rsync exited with status ${run.exitCode}`;
    throw new HostFailure('transfer', oneLine(`transfer failed: ${options.destination} on ${targetLabel(connection.target)}: ${reason}`));
  } catch (error) {
    if (lost.signal.aborted && !options.signal.aborted) throw lost.signal.reason;
    throw error;
  } finally {
    stopWatching();
    await tunnel.close();
  }
}
