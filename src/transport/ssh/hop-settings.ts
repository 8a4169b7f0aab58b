import type { AuthSettings } from './auth.js';
import type { ResolvedHost } from './config/resolved-host.js';
import type { HostKeyLookup } from './host-key-check.js';
import type { RefusalContext } from './host-key-messages.js';
import type { KnownHostEntry } from './known-hosts.js';
import { knownHostsName } from './known-hosts.js';
import type { SshTransportOptions } from './options.js';
import type { RouteHop } from './route.js';

/**
 * What the deploy config changes in a hop's resolution: ssh_key replaces a target's
 * IdentityFiles (jump hosts keep their own, as `ssh -W` would); ssh_known_hosts, when set, is
 * the only known_hosts file for every hop.
 */
export function knownHostsFilesFor(hop: RouteHop, options: SshTransportOptions): string[] {
  if (options.knownHostsPath !== undefined) return [options.knownHostsPath];
  return [...hop.resolved.userKnownHostsFiles, ...hop.resolved.globalKnownHostsFiles];
}

export function authSettingsFor(hop: RouteHop, options: SshTransportOptions): AuthSettings {
  const { resolved } = hop;
  const explicitKey = hop.role === 'target' && options.explicit.keyPath && options.keyPath !== undefined;
  return {
    user: resolved.user,
    identityFiles: explicitKey ? [options.keyPath!] : resolved.identityFiles,
    identitiesOnly: resolved.identitiesOnly,
    cannotUse: [...resolved.certificateFiles.map((file) => `CertificateFile ${file}`), ...resolved.unusableAuth],
    ...(resolved.identityAgent !== undefined ? { identityAgent: resolved.identityAgent } : {}),
  };
}

/** The name ssh looks the host up under, and (ports other than 22, no alias) the port-less one. */
export function hostKeyLookupFor(resolved: ResolvedHost, entries: readonly KnownHostEntry[]): HostKeyLookup {
  if (resolved.hostKeyAlias !== undefined) return { name: resolved.hostKeyAlias, entries };
  const name = knownHostsName(resolved.hostName, resolved.port);
  return resolved.port === 22 ? { name, entries } : { name, fallbackName: resolved.hostName, entries };
}

export function refusalContextFor(resolved: ResolvedHost, name: string, files: readonly string[]): RefusalContext {
  return {
    hostName: resolved.hostName,
    port: resolved.port,
    name,
    files,
    ...(resolved.hostKeyAlias !== undefined ? { hostKeyAlias: resolved.hostKeyAlias } : {}),
    ...(resolved.knownHostsCommand !== undefined ? { knownHostsCommand: resolved.knownHostsCommand } : {}),
  };
}

export type { ResolvedHost };
