import { parseHostPort } from '../../lib/host-port.js';
import { type SshConfigLine, resolveSshConfig } from './ssh-config.js';
import { type SshTransportOptions, homeOf, localUserOf } from './options.js';

/** Everything needed to dial one host, after ~/.ssh/config and the deploy config are merged. */
export interface SshTarget {
  /** The host exactly as deploy names it (`name` or `name:port`). */
  host: string;
  /** The name part, looked up in ssh_config. */
  alias: string;
  /** The address actually dialled (ssh_config HostName, else the alias). */
  hostName: string;
  port: number;
  user: string;
  /** The key file to authenticate with, when one is configured (ssh_key or IdentityFile). */
  keyPath?: string;
}

/**
 * Merge, per setting: a port in the host name wins over everything; an explicitly set
 * deploy config value wins over ssh_config; ssh_config wins over deploy's defaults.
 */
export function resolveTarget(
  host: string,
  options: SshTransportOptions,
  configLines: readonly SshConfigLine[],
): SshTarget {
  const { name, port: portInName } = parseHostPort(host) ?? { name: host };
  const config = resolveSshConfig(configLines, name, {
    home: homeOf(options),
    localUser: localUserOf(options),
  });
  const port = portInName ?? (options.explicit.port ? options.port : (config.port ?? options.port));
  const user = options.explicit.user ? options.user : (config.user ?? options.user);
  const identityFile = config.identityFiles[0];
  const keyPath =
    options.explicit.keyPath && options.keyPath !== undefined
      ? options.keyPath
      : (identityFile ?? options.keyPath);
  const target: SshTarget = { host, alias: name, hostName: config.hostName ?? name, port, user };
  if (keyPath !== undefined) target.keyPath = keyPath;
  return target;
}

/** `host` for port 22, `host:port` otherwise: how messages name an endpoint. */
export function endpointLabel(hostName: string, port: number): string {
  return port === 22 ? hostName : `${hostName}:${port}`;
}

/** The endpoint, prefixed by the alias when ssh_config renamed it: `web1 (10.0.0.5:2222)`. */
export function targetLabel(target: SshTarget): string {
  const endpoint = endpointLabel(target.hostName, target.port);
  return target.alias === target.hostName ? endpoint : `${target.alias} (${endpoint})`;
}
