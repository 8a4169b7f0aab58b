import { oneLine } from '../../lib/text.js';
import { runRsync } from '../rsync-run.js';
import { buildRsyncTree, rsyncErrorLine, rsyncTreeOptions } from '../rsync-tree.js';
import { HostFailure, type SyncTreeOptions, type SyncTreeResult } from '../types.js';
import { attachRsyncTunnel, REMOTE_SHELL, type RsyncTunnel } from './rsync-tunnel.js';
import type { SshConnection } from './ssh-connection.js';
import { targetLabel } from './target.js';

/** After a failed local rsync, how long to wait for the host's side to report its exit status. */
const REMOTE_SETTLE_MS = 2000;

/**
 * Sync a local folder to `options.destination` on the connection's host: the local rsync,
 * its remote shell (a `sh` relaying through fd 3), the tunnel, `rsync --server` on the host
 * over this connection. A failed or stopped transfer leaves the old tree (delay-updates); the
 * connection breaking fails the host as connection-lost, anything else as transfer.
 */
export async function syncRemoteTree(connection: SshConnection, options: SyncTreeOptions): Promise<SyncTreeResult> {
  options.signal.throwIfAborted();
  const lost = new AbortController();
  const stopWatching = connection.onLost((failure) => lost.abort(failure));
  let tunnel: RsyncTunnel | undefined;
  try {
    const argv = buildRsyncTree({ ...rsyncTreeOptions(options, `deploy:${options.destination}`), remoteShell: REMOTE_SHELL });
    const run = await runRsync(argv, {
      signal: AbortSignal.any([options.signal, lost.signal]),
      ...(options.names !== undefined ? { names: options.names } : {}),
      channel: (socket) => {
        tunnel = attachRsyncTunnel(connection, socket);
      },
    });
    if (run.exitCode === 0) return run.items;
    if (connection.failure !== undefined) throw connection.failure;
    const remote = await tunnel?.settled(REMOTE_SETTLE_MS);
    const reason =
      remote?.refused ??
      (remote?.exitCode !== undefined && remote.exitCode !== 0 ? rsyncErrorLine(remote.stderr) : undefined) ??
      rsyncErrorLine(run.stderr) ??
      `rsync exited with status ${run.exitCode}`;
    throw new HostFailure('transfer', oneLine(`transfer failed: ${options.destination} on ${targetLabel(connection.target)}: ${reason}`));
  } catch (error) {
    if (lost.signal.aborted && !options.signal.aborted) throw lost.signal.reason;
    throw error;
  } finally {
    stopWatching();
    tunnel?.close();
  }
}
