import type { LoadedConfig } from '../../config/load.js';
import { createLocalTransport } from '../../transport/local-transport.js';
import type { Transport } from '../../transport/types.js';

/**
 * The transport the config asks for. SSH is loaded only when used, so `--help` and the
 * local demo never pay for ssh2. Throws UserError for an unusable key before any connection.
 */
export async function createTransport(loaded: LoadedConfig): Promise<Transport> {
  const { config } = loaded;
  if (config.transport === 'local') return createLocalTransport({ fleetDir: config.local_fleet_dir });
  const { createSshTransportFromConfig } = await import('./create-ssh-transport.js');
  return createSshTransportFromConfig(loaded);
}
