import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { oneLine } from '../../lib/text.js';
import { HostFailure } from '../types.js';
import { type AuthPlan, startAuth } from './auth.js';
import { type Ssh2Error, authFailure, connectFailure } from './connect-errors.js';
import { type HostKeyLookup, checkHostKey, hostKeyAlgorithmOrder } from './host-key-check.js';
import { type RefusalContext, hostKeyRefusalMessage } from './host-key-messages.js';
import { KEEPALIVE_COUNT_MAX } from './options.js';
import { SshConnection } from './ssh-connection.js';
import type { SshTarget } from './target.js';

export interface OpenConnectionParams {
  target: SshTarget;
  auth: AuthPlan;
  hostKeys: HostKeyLookup;
  refusal: RefusalContext;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Aborting gives up on a connection that is not ready yet. */
  signal?: AbortSignal;
  /** A stream to speak SSH over (a jump host's forwarded channel, a ProxyCommand's stdio). */
  sock?: Duplex;
  /** Why `sock` ended early, when it did (a ProxyCommand's exit status and stderr). */
  sockFailure?: () => Promise<string | undefined>;
  /** How to wrap the ready client (jump hosts keep theirs to forward through it). */
  wrap?: (target: SshTarget, client: Client) => SshConnection;
}

/**
 * Dial one host and get a ready, authenticated connection. The host key is always checked
 * against known_hosts before authentication, so nothing is sent to a host whose key is
 * refused. Every failure closes the socket and rejects with a one-line HostFailure.
 */
export function openConnection(params: OpenConnectionParams): Promise<SshConnection> {
  const { target, connectTimeoutMs, signal } = params;
  const auth = startAuth(params.auth);
  return new Promise<SshConnection>((resolve, reject) => {
    const client = new Client();
    let refusal: HostFailure | undefined;
    let settled = false;
    let explaining = false;

    const finish = (outcome: SshConnection | Error): void => {
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
      params.sock?.destroy();
      reject(outcome);
    };

    const verify = (key: Buffer): boolean => {
      const verdict = checkHostKey(params.hostKeys, key);
      if (verdict.outcome === 'match') return true;
      refusal = new HostFailure('host-key', hostKeyRefusalMessage(verdict, key, params.refusal));
      return false;
    };
    /** A connect failure; over a ProxyCommand, its own words say more than a broken pipe. */
    const failConnecting = (error: Ssh2Error): void => {
      if (params.sockFailure === undefined) {
        finish(connectFailure(error, target, connectTimeoutMs));
        return;
      }
      if (explaining) return;
      explaining = true;
      void params.sockFailure().then((why) => {
        const said = why !== undefined ? Object.assign(new Error(why), { level: error.level }) : error;
        finish(refusal ?? connectFailure(said, target, connectTimeoutMs));
      });
    };

    const onReady = (): void => finish(params.wrap !== undefined ? params.wrap(target, client) : new SshConnection(target, client));
    const onError = (error: Ssh2Error): void => {
      // The agent could not be reached: ssh2 goes on with the next method, and so do we.
      if (error.level === 'agent') return;
      if (refusal !== undefined) finish(refusal);
      else if (error.level === 'client-authentication') finish(authFailure(target, auth.describe()));
      else failConnecting(error);
    };
    const onClose = (): void => {
      if (refusal !== undefined) finish(refusal);
      else failConnecting(new Error('the host closed the connection before SSH was ready'));
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

    const config: ConnectConfig = {
      host: target.hostName,
      port: target.port,
      username: params.auth.user,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: params.keepaliveIntervalMs,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer) => verify(key),
      authHandler: auth.handler,
      tryKeyboard: false,
      // The whole ordered list: known key types first (ssh2's `prepend` would not reorder).
      algorithms: { serverHostKey: hostKeyAlgorithmOrder(params.hostKeys) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    };
    if (params.sock !== undefined) config.sock = params.sock as NonNullable<ConnectConfig['sock']>;
    try {
      client.connect(config);
    } catch (error) {
      finish(connectFailure(error as Ssh2Error, target, connectTimeoutMs));
    }
  });
}

/** For messages: one line. */
export function describeFailure(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}
