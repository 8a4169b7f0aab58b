import { Client, type ConnectConfig } from 'ssh2';
import { HostFailure } from '../types.js';
import { type AuthPlan, authHandlerFor, describeAuth } from './auth.js';
import { oneLine } from '../../lib/text.js';
import { type Ssh2Error, authFailure, connectFailure } from './connect-errors.js';
import {
  type HostKeyVerdict,
  type KnownHostEntry,
  hostKeyAlgorithmsFor,
  hostKeyRefusalMessage,
  knownHostsName,
  knownKeyTypes,
  verifyHostKey,
} from './known-hosts.js';
import { KEEPALIVE_COUNT_MAX } from './options.js';
import { SshConnection } from './ssh-connection.js';
import type { SshTarget } from './target.js';

/** Host key algorithms ssh2 can negotiate (the ones it would reject are never prepended). */
const SSH2_HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]);

export interface OpenConnectionParams {
  target: SshTarget;
  auth: AuthPlan;
  knownHosts: readonly KnownHostEntry[];
  knownHostsPath: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Aborting gives up on a connection that is not ready yet. */
  signal?: AbortSignal;
}

/** The names a host's key may be listed under: the dialled HostName, then the alias. */
export function knownHostsNamesFor(target: SshTarget): string[] {
  const names = [knownHostsName(target.hostName, target.port)];
  if (target.alias !== target.hostName) names.push(knownHostsName(target.alias, target.port));
  return names;
}

/** Ask the server first for key types known_hosts holds for it, like OpenSSH does. */
function hostKeyPreference(knownHosts: readonly KnownHostEntry[], names: readonly string[]): string[] {
  return knownKeyTypes(knownHosts, names)
    .flatMap(hostKeyAlgorithmsFor)
    .filter((algorithm) => SSH2_HOST_KEY_ALGORITHMS.has(algorithm));
}

/**
 * Dial one host and get a ready, authenticated connection. The host key is always checked
 * against known_hosts before authentication, so nothing is sent to a host whose key is
 * refused. Every failure closes the socket and rejects with a one-line HostFailure.
 */
export function openConnection(params: OpenConnectionParams): Promise<SshConnection> {
  const { target, auth, knownHosts, knownHostsPath, connectTimeoutMs, keepaliveIntervalMs, signal } = params;
  const names = knownHostsNamesFor(target);
  return new Promise<SshConnection>((resolve, reject) => {
    const client = new Client();
    let refusal: HostFailure | undefined;
    let settled = false;

    const finish = (outcome: SshConnection | HostFailure | Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.removeListener('close', onClose);
      if (outcome instanceof SshConnection) {
        client.removeListener('error', onError);
        resolve(outcome);
        return;
      }
      // Keep a listener so late socket errors on the dying client are not unhandled.
      client.on('error', () => undefined);
      client.end();
      client.destroy();
      reject(outcome);
    };

    const verify = (key: Buffer): boolean => {
      const verdict: HostKeyVerdict = verifyHostKey(knownHosts, names, key);
      if (verdict.outcome === 'match') return true;
      refusal = new HostFailure(
        'host-key',
        hostKeyRefusalMessage(verdict.outcome, { hostName: target.hostName, port: target.port, key, knownHostsPath }),
      );
      return false;
    };

    const onReady = (): void => finish(new SshConnection(target, client));
    const onError = (error: Ssh2Error): void => {
      if (refusal !== undefined) finish(refusal);
      else if (error.level === 'client-authentication') finish(authFailure(target, describeAuth(auth)));
      else if (error.level === 'agent') finish(authFailure(target, `${describeAuth(auth)}: ${oneLine(error.message)}`));
      else finish(connectFailure(error, target, connectTimeoutMs));
    };
    const onClose = (): void => {
      finish(refusal ?? connectFailure(new Error('the host closed the connection before SSH was ready'), target, connectTimeoutMs));
    };
    const onAbort = (): void => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));

    client.on('ready', onReady);
    client.on('error', onError);
    client.on('close', onClose);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    const preferred = hostKeyPreference(knownHosts, names);
    const config: ConnectConfig = {
      host: target.hostName,
      port: target.port,
      username: target.user,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: keepaliveIntervalMs,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer) => verify(key),
      authHandler: authHandlerFor(auth, target.user),
      tryKeyboard: false,
    };
    if (preferred.length > 0) {
      config.algorithms = { serverHostKey: { prepend: preferred } as never };
    }
    try {
      client.connect(config);
    } catch (error) {
      finish(connectFailure(error as Ssh2Error, target, connectTimeoutMs));
    }
  });
}
