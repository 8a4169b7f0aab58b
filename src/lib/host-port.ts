/** `name` or `name:port`, split. An invalid or missing port leaves `port` undefined. */
export interface HostPort {
  name: string;
  port?: number;
}

/** A TCP port: an integer from 1 to 65535. */
export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/**
 * Split `name:port` at its last colon. Returns undefined when there is a colon but what
 * follows it is not a port (1-65535), so callers can say the value is malformed.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { name: text };
  const digits = text.slice(colon + 1);
  const port = Number(digits);
  if (colon === 0 || !/^\d{1,5}$/.test(digits) || !isPort(port)) return undefined;
  return { name: text.slice(0, colon), port };
}
