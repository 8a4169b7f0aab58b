import type { Transport } from '../types.js';
import { withConnectRetries } from './connect-retry.js';
import { ConnectionPool } from './connection-pool.js';
import { HopConnector } from './hop-connector.js';
import type { SshTransportOptions } from './options.js';
import { runRemoteCommand } from './remote-exec.js';
import { readRemoteFile } from './sftp-read.js';
import { replaceRemoteFile } from './sftp-write.js';
import { type SshContext, createSshContext } from './ssh-context.js';
import { syncRemoteTree } from './sync-tree.js';

/** The transport plus what tests and diagnostics may look at. */
export interface SshTransport extends Transport {
  /** How many SSH connections to targets were opened so far (one per host per run when all is well). */
  readonly connectionsOpened: number;
  /** How many connections to jump hosts were opened (one per jump host per run when all is well). */
  readonly jumpConnectionsOpened: number;
}

/**
 * The production transport: ssh2 connections, one per host, opened on first use and reused
 * for the whole run, reaching each host as OpenSSH's ssh would (see docs/ssh.md). Give it the
 * context the start-up check used, so nothing is resolved twice.
 */
export function createSshTransport(options: SshTransportOptions, context: SshContext = createSshContext(options)): SshTransport {
  const connector = new HopConnector(context);

  const pool = new ConnectionPool(async (host, closing, onRetry) => {
    // Resolving is not retried: a config problem stays one.
    const route = await connector.route(host);
    return withConnectRetries(() => connector.connect(route, closing), { retries: options.connectRetries ?? 0 }, onRetry, closing);
  });

  return {
    name: 'ssh',
    get connectionsOpened() {
      return pool.opened;
    },
    get jumpConnectionsOpened() {
      return connector.jumpConnectionsOpened;
    },
    warm(hosts) {
      for (const host of hosts) pool.warm(host);
    },
    async exec(host, argv, execOptions) {
      const connection = await pool.acquire(host, execOptions.signal, execOptions.onRetry);
      return runRemoteCommand(connection, argv, execOptions);
    },
    async writeFile(host, path, content, writeOptions) {
      const connection = await pool.acquire(host, writeOptions.signal, writeOptions.onRetry);
      return replaceRemoteFile(connection, path, { content, mode: writeOptions.mode }, writeOptions);
    },
    async readFile(host, path, readOptions) {
      const connection = await pool.acquire(host, readOptions.signal, readOptions.onRetry);
      return readRemoteFile(connection, path, readOptions.signal);
    },
    async removeFile(host, path, removeOptions) {
      const connection = await pool.acquire(host, removeOptions.signal, removeOptions.onRetry);
      return replaceRemoteFile(connection, path, null, removeOptions);
    },
    async syncTree(host, syncOptions) {
      const connection = await pool.acquire(host, syncOptions.signal, syncOptions.onRetry);
      return syncRemoteTree(connection, syncOptions);
    },
    commandPath: (_host, path) => path,
    async close() {
      await pool.closeAll();
      await connector.jumps.closeAll();
    },
  };
}
