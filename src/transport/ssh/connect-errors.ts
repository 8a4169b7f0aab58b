import { formatSeconds } from '../../lib/duration.js';
import { oneLine } from '../../lib/text.js';
import { HostFailure } from '../types.js';
import { type SshTarget, endpointLabel, targetLabel } from './target.js';

/** Errors from ssh2 carry a `level` (client-socket, client-timeout, handshake, ...). */
export type Ssh2Error = Error & { level?: string; code?: string };

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is sshd running and listening on that port?)',
  EHOSTUNREACH: 'host unreachable (check the address and the network)',
  ENETUNREACH: 'network unreachable (check the address and the network)',
  ECONNRESET: 'connection reset by the host before SSH started',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'address not available',
};

/**
 * Map a failure to open a connection (before it was ready) to a HostFailure. Host-key and
 * auth refusals are decided by the caller, which knows what it checked and tried.
 */
export function connectFailure(error: Ssh2Error, target: SshTarget, connectTimeoutMs: number): HostFailure {
  const where = `could not connect to ${targetLabel(target)}`;
  const code = error.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || error.level === 'client-dns') {
    return new HostFailure('connect', `${where}: cannot resolve host name ${target.hostName} (check the host name, or HostName in ssh config)`);
  }
  if (code !== undefined && SOCKET_CODES[code] !== undefined) {
    return new HostFailure('connect', `${where}: ${SOCKET_CODES[code]}`);
  }
  if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
    return new HostFailure('connect', `${where}: timed out connecting after ${formatSeconds(connectTimeoutMs)}`);
  }
  return new HostFailure('connect', oneLine(`${where}: ${error.message}${code !== undefined ? ` (${code})` : ''}`));
}

/** Authentication refused: say who and what was tried (`tried: ...; skipped: ...`). */
export function authFailure(target: SshTarget, description: string): HostFailure {
  return new HostFailure('auth', `authentication refused for ${target.user}@${endpointLabel(target.hostName, target.port)} (${description})`);
}

/** A connection that was ready and then broke. */
export function connectionLost(target: SshTarget, reason: string): HostFailure {
  return new HostFailure('connection-lost', oneLine(`connection lost: ${targetLabel(target)}: ${reason}`));
}
