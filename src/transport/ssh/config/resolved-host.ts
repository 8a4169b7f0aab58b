import type { JumpHop } from './jump-spec.js';
import type { ConnectionInfo } from './tokens.js';

/**
 * How `ssh` would reach one host, after ssh_config (and ssh's own defaults): what
 * `ssh -G <host>` prints for the settings deploy uses, with paths already expanded.
 */
export interface ResolvedHost {
  /** The host as given (ssh's host_arg, `%n`). */
  alias: string;
  /** The final host name: HostName with %h expanded, lower-cased unless an address. */
  hostName: string;
  port: number;
  user: string;
  /** IdentityFile, in order, `none` left out; ssh's defaults when the config names none. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** IdentityAgent as ssh uses it: a socket path, `none`, `SSH_AUTH_SOCK` or a legacy `$VAR`. */
  identityAgent?: string;
  /** The hops to go through, first hop first; undefined for a direct connection. */
  proxyJump?: JumpHop[];
  /** ProxyCommand before its %h %p %r %n %k are expanded. */
  proxyCommand?: string;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** Lower-cased, as ssh uses it. */
  hostKeyAlias?: string;
  certificateFiles: string[];
  /** Settings that change how ssh connects and that deploy does not do: the host fails naming them. */
  unsupported: string[];
  /** Ways ssh could authenticate that deploy cannot (PKCS11Provider): named when authentication fails. */
  unusableAuth: string[];
  /** KnownHostsCommand, named when a host key is not found. */
  knownHostsCommand?: string;
  /** Who resolved it: deploy's own reader, or OpenSSH's `ssh -G`. */
  resolvedBy: 'deploy' | 'ssh -G';
  /** Why deploy's reader handed the host to `ssh -G`. */
  delegatedBecause?: string;
}

/** OpenSSH 9's default IdentityFile list (readconf.c fill_default_options). */
export const DEFAULT_IDENTITY_FILES = [
  '~/.ssh/id_rsa',
  '~/.ssh/id_ecdsa',
  '~/.ssh/id_ecdsa_sk',
  '~/.ssh/id_ed25519',
  '~/.ssh/id_ed25519_sk',
  '~/.ssh/id_xmss',
  '~/.ssh/id_dsa',
] as const;

export const DEFAULT_USER_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'] as const;
export const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'] as const;

/** True for an IPv4 or IPv6 literal: ssh does not lower-case those. */
export function isAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host));
}

/** The facts about this machine that token expansion needs, minus the host's own. */
export type LocalFacts = Pick<ConnectionInfo, 'thisHost' | 'uid' | 'home' | 'localUser'>;

/** Token values for a resolved host. */
export function connectionInfo(host: Pick<ResolvedHost, 'alias' | 'hostName' | 'port' | 'user' | 'hostKeyAlias'>, local: LocalFacts): ConnectionInfo {
  return {
    ...local,
    originalHost: host.alias,
    hostName: host.hostName,
    port: host.port,
    user: host.user,
    ...(host.hostKeyAlias !== undefined ? { hostKeyAlias: host.hostKeyAlias } : {}),
  };
}
