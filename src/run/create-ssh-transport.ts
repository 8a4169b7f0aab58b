import type { LoadedConfig } from '../config/load.js';
import { checkSshAuthConfig, createSshTransport } from '../transport/ssh/ssh-transport.js';
import type { Transport } from '../transport/types.js';

/** The SSH transport from the config: keys the config set explicitly win over ~/.ssh/config. */
export async function createSshTransportFromConfig(loaded: LoadedConfig): Promise<Transport> {
  const { config, explicit } = loaded;
  const options = {
    user: config.ssh_user,
    port: config.ssh_port,
    ...(config.ssh_key !== undefined ? { keyPath: config.ssh_key } : {}),
    knownHostsPath: config.ssh_known_hosts,
    sshConfigPath: config.ssh_config,
    connectTimeoutMs: config.ssh_connect_timeout * 1000,
    connectRetries: config.ssh_connect_retries,
    explicit: { user: explicit.has('ssh_user'), port: explicit.has('ssh_port'), keyPath: explicit.has('ssh_key') },
  };
  await checkSshAuthConfig(options);
  return createSshTransport(options);
}
