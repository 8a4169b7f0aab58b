import type { IdentityCache } from './auth.js';
import type { LocalFacts } from './config/resolved-host.js';
import { SshResolver, findSsh } from './config/resolver.js';
import { KnownHostsFiles } from './known-hosts-files.js';
import { type SshTransportOptions, envOf, localFactsOf } from './options.js';

/**
 * What one run's SSH work shares: host resolutions, known_hosts files and identity files, each
 * read once. The start-up check and the transport use the same context, so a host resolved to
 * check its keys is not resolved again to connect.
 */
export interface SshContext {
  options: SshTransportOptions;
  env: NodeJS.ProcessEnv;
  local: LocalFacts;
  resolver: SshResolver;
  knownHosts: KnownHostsFiles;
  identities: IdentityCache;
}

export function createSshContext(options: SshTransportOptions): SshContext {
  const env = envOf(options);
  const local = localFactsOf(options);
  const resolver = new SshResolver({
    ...(options.sshConfigPath !== undefined ? { configPath: options.sshConfigPath } : {}),
    ...(options.systemSshConfigPath !== undefined ? { systemConfigPath: options.systemSshConfigPath } : {}),
    local,
    env,
    ssh: findSsh(env),
    timeoutMs: Math.max(options.connectTimeoutMs, 5000),
    ...(options.alwaysOpenSsh === true ? { alwaysOpenSsh: true } : {}),
  });
  return { options, env, local, resolver, knownHosts: new KnownHostsFiles(), identities: new Map() };
}
