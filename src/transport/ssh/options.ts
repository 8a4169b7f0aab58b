import { homedir, hostname, userInfo } from 'node:os';
import type { LocalFacts } from './config/resolved-host.js';

/** How the production SSH transport connects; built from the deploy config's ssh_* keys. */
export interface SshTransportOptions {
  /** ssh_user: wins over ssh_config when explicit.user. */
  user: string;
  /** ssh_port: wins over ssh_config when explicit.port. */
  port: number;
  /** ssh_key: when explicit.keyPath, the only IdentityFile of every target. */
  keyPath?: string;
  /** ssh_known_hosts: set, every host key (jump hosts' too) is checked against this file only;
   * unset, against the files OpenSSH would read for that host. */
  knownHostsPath?: string;
  /** ssh_config, when the deploy config names it (read like `ssh -F`); unset, ~/.ssh/config then
   * /etc/ssh/ssh_config. */
  sshConfigPath?: string;
  /** ssh_proxy_jump: a ProxyJump list or `none`, winning over ssh_config (like `ssh -J`). */
  proxyJump?: string;
  /** ssh_connect_timeout, used as ssh2's readyTimeout. */
  connectTimeoutMs: number;
  /** Which of user/port/key the deploy config set explicitly: those win over ssh_config. */
  explicit: { user: boolean; port: boolean; keyPath: boolean };
  /** Extra connect attempts after a 'connect' failure (exponential backoff with jitter). */
  connectRetries?: number;
  /** Default 5000; three unanswered keepalives fail the connection. */
  keepaliveIntervalMs?: number;
  /** For SSH_AUTH_SOCK, HOME, USER, PATH and ${VAR} in ssh_config (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** The system-wide ssh_config (tests point it elsewhere); default /etc/ssh/ssh_config. */
  systemSshConfigPath?: string;
  /** Resolve every host with `ssh -G` rather than deploy's own reader (the benchmark compares). */
  alwaysOpenSsh?: boolean;
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5000;
export const KEEPALIVE_COUNT_MAX = 3;
export const RETRY_BASE_DELAY_MS = 250;

export function envOf(options: Pick<SshTransportOptions, 'env'>): NodeJS.ProcessEnv {
  return options.env ?? process.env;
}

/** The home folder deploy uses for ~ expansion and default keys ($HOME). */
export function homeOf(options: Pick<SshTransportOptions, 'env'>): string {
  const home = envOf(options).HOME;
  return home !== undefined && home !== '' ? home : homedir();
}

/** The local user name (%u, Match localuser, the default remote user). */
export function localUserOf(options: Pick<SshTransportOptions, 'env'>): string {
  const env = envOf(options);
  const user = env.USER ?? env.LOGNAME;
  if (user !== undefined && user !== '') return user;
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

/** What token expansion needs to know about this machine. */
export function localFactsOf(options: Pick<SshTransportOptions, 'env'>): LocalFacts {
  return { thisHost: hostname(), uid: process.getuid?.() ?? 0, home: homeOf(options), localUser: localUserOf(options) };
}
