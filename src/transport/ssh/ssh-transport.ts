import { UserError } from '../../errors.js';
import { HostFailure, type Transport } from '../types.js';
import { planAuth } from './auth.js';
import { withConnectRetries } from './connect-retry.js';
import { ConnectionPool } from './connection-pool.js';
import { readKnownHostsFile } from './known-hosts.js';
import { openConnection } from './open-connection.js';
import { DEFAULT_KEEPALIVE_INTERVAL_MS, type SshTransportOptions, homeOf, sshConfigPathOf } from './options.js';
import { runRemoteCommand } from './remote-exec.js';
import { writeRemoteFile } from './sftp-write.js';
import { readSshConfigFile } from './ssh-config.js';
import { resolveTarget } from './target.js';

export { checkSshAuthConfig } from './auth.js';
export type { SshTransportOptions } from './options.js';

/** The transport plus what tests and diagnostics may look at. */
export interface SshTransport extends Transport {
  /** How many SSH connections were opened so far (one per host per run when all is well). */
  readonly connectionsOpened: number;
}

/**
 * The production transport: ssh2 connections, one per host, opened on first use and reused
 * for the whole run. Host keys are always checked against options.knownHostsPath.
 */
export function createSshTransport(options: SshTransportOptions): SshTransport {
  const configLines = readSshConfigFile(sshConfigPathOf(options), homeOf(options));
  const keepaliveIntervalMs = options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS;

  const pool = new ConnectionPool((host, closing, onRetry) => {
    const target = resolveTarget(host, options, configLines);
    const attempt = async () => {
      let auth;
      try {
        auth = planAuth(target, options);
      } catch (error) {
        if (error instanceof UserError) throw new HostFailure('auth', error.message);
        throw error;
      }
      let knownHosts;
      try {
        knownHosts = readKnownHostsFile(options.knownHostsPath);
      } catch (error) {
        throw new HostFailure(
          'host-key',
          `cannot read known_hosts ${options.knownHostsPath} (${(error as NodeJS.ErrnoException).code ?? String(error)}): no host key can be checked`,
        );
      }
      return openConnection({
        target,
        auth,
        knownHosts,
        knownHostsPath: options.knownHostsPath,
        connectTimeoutMs: options.connectTimeoutMs,
        keepaliveIntervalMs,
        signal: closing,
      });
    };
    return withConnectRetries(attempt, { retries: options.connectRetries ?? 0 }, onRetry, closing);
  });

  return {
    name: 'ssh',
    get connectionsOpened() {
      return pool.opened;
    },
    async exec(host, argv, execOptions) {
      const connection = await pool.acquire(host, execOptions.signal, execOptions.onRetry);
      return runRemoteCommand(connection, argv, execOptions);
    },
    async writeFile(host, path, content, writeOptions) {
      const connection = await pool.acquire(host, writeOptions.signal, writeOptions.onRetry);
      return writeRemoteFile(connection, path, content, writeOptions);
    },
    close() {
      return pool.closeAll();
    },
  };
}
