/** One host to dial, as messages name it. */
export interface SshTarget {
  /** The host exactly as deploy names it (`name`, `name:port`, or a jump host's spec). */
  host: string;
  /** The name looked up in ssh_config. */
  alias: string;
  /** The address actually dialled (ssh_config HostName, else the alias). */
  hostName: string;
  port: number;
  user: string;
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
