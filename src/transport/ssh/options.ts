import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/** How the production SSH transport connects; built from the deploy config's ssh_* keys. */
export interface SshTransportOptions {
  /** ssh_user. */
  user: string;
  /** ssh_port. */
  port: number;
  /** ssh_key. */
  keyPath?: string;
  /** ssh_known_hosts: every host key is checked against this file. */
  knownHostsPath: string;
  /** Default ~/.ssh/config; a missing file means no config. */
  sshConfigPath?: string;
  /** ssh_connect_timeout, used as ssh2's readyTimeout. */
  connectTimeoutMs: number;
  /** Which of user/port/key the deploy config set explicitly: those win over ~/.ssh/config. */
  explicit: { user: boolean; port: boolean; keyPath: boolean };
  /** Extra connect attempts after a 'connect' failure (exponential backoff with jitter). */
  connectRetries?: number;
  /** Default 5000; three unanswered keepalives fail the connection. */
  keepaliveIntervalMs?: number;
  /** For SSH_AUTH_SOCK, HOME and USER (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5000;
export const KEEPALIVE_COUNT_MAX = 3;
export const RETRY_BASE_DELAY_MS = 250;

/** The home folder deploy uses for ~ expansion and default keys. */
export function homeOf(options: Pick<SshTransportOptions, 'env'>): string {
  const home = (options.env ?? process.env).HOME;
  return home !== undefined && home !== '' ? home : homedir();
}

/** The local user name (for %u in ssh_config). */
export function localUserOf(options: Pick<SshTransportOptions, 'env'>): string {
  const env = options.env ?? process.env;
  const user = env.USER ?? env.LOGNAME;
  if (user !== undefined && user !== '') return user;
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

/** The ssh_config file to read. */
export function sshConfigPathOf(options: Pick<SshTransportOptions, 'env' | 'sshConfigPath'>): string {
  return options.sshConfigPath ?? join(homeOf(options), '.ssh', 'config');
}
