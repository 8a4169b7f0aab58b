import { statSync } from 'node:fs';
import type { LoadedConfig } from '../../config/load.js';
import { UserError } from '../../errors.js';
import { errorCode } from '../../lib/read-file.js';
import { checkSshAuth } from '../../transport/ssh/auth-check.js';
import type { SshTransportOptions } from '../../transport/ssh/options.js';
import { createSshContext } from '../../transport/ssh/ssh-context.js';
import { createSshTransport } from '../../transport/ssh/ssh-transport.js';
import type { Transport } from '../../transport/types.js';

/** An ssh_known_hosts set in the config must be a file: a typo is a usage error, not a failure per host. */
function checkExplicitKnownHosts(loaded: LoadedConfig): void {
  const path = loaded.config.ssh_known_hosts;
  if (!loaded.explicit.has('ssh_known_hosts') || path === undefined) return;
  const origin = loaded.origins.get('ssh_known_hosts');
  let problem: string | undefined;
  try {
    if (statSync(path).isDirectory()) problem = 'is a folder, not a file';
  } catch (error) {
    problem = errorCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read: ${errorCode(error)}`;
  }
  if (problem !== undefined) {
    throw new UserError(
      `ssh_known_hosts: ${path} ${problem}${origin !== undefined ? ` (set in ${origin})` : ''}`,
      'give an existing known_hosts file, or leave ssh_known_hosts unset',
    );
  }
}

/**
 * The SSH transport from the config: hosts are reached as OpenSSH's ssh would reach them, and
 * the ssh_* keys the config sets explicitly win over ssh_config. Every target is resolved and
 * its keys checked before any connection (a usage error otherwise).
 */
export async function createSshTransportFromConfig(loaded: LoadedConfig): Promise<Transport> {
  checkExplicitKnownHosts(loaded);
  const { config, explicit } = loaded;
  const options: SshTransportOptions = {
    user: config.ssh_user,
    port: config.ssh_port,
    ...(config.ssh_key !== undefined ? { keyPath: config.ssh_key } : {}),
    ...(config.ssh_known_hosts !== undefined ? { knownHostsPath: config.ssh_known_hosts } : {}),
    ...(explicit.has('ssh_config') ? { sshConfigPath: config.ssh_config } : {}),
    ...(config.ssh_proxy_jump !== undefined ? { proxyJump: config.ssh_proxy_jump } : {}),
    connectTimeoutMs: config.ssh_connect_timeout * 1000,
    connectRetries: config.ssh_connect_retries,
    explicit: { user: explicit.has('ssh_user'), port: explicit.has('ssh_port'), keyPath: explicit.has('ssh_key') },
  };
  const context = createSshContext(options);
  await checkSshAuth(context, [...config.targets, ...config.sync_proxies]);
  return createSshTransport(options, context);
}
