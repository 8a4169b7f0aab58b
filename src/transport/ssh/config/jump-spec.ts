import { isPort } from '../../../lib/host-port.js';

/** One hop of a ProxyJump list: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/** Parse one hop the way OpenSSH's parse_ssh_uri / parse_user_host_port do; undefined when malformed. */
export function parseJumpHop(text: string): JumpHop | undefined {
  let rest = text;
  if (/^ssh:\/\//i.test(rest)) {
    rest = rest.slice('ssh://'.length);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    if (rest.includes('/')) return undefined;
  }
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = decodeURIComponentSafe(rest.slice(0, at));
    if (user === undefined || user === '') return undefined;
    rest = rest.slice(at + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return undefined;
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    if (after.startsWith(':')) portText = after.slice(1);
  } else {
    const colon = rest.indexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    if (colon >= 0) portText = rest.slice(colon + 1);
  }
  if (host === '') return undefined;
  const hop: JumpHop = { host };
  if (user !== undefined) hop.user = user;
  if (portText !== undefined && portText !== '') {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || !isPort(port)) return undefined;
    hop.port = port;
  }
  return hop;
}

function decodeURIComponentSafe(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * A whole ProxyJump value: hops separated by commas, first hop first. `none` gives []. A
 * trailing `# comment` is dropped, as ssh does. Undefined when any hop is malformed.
 */
export function parseJumpList(value: string): JumpHop[] | undefined {
  const text = value.replace(/#.*$/, '').trim();
  if (text.toLowerCase() === 'none') return [];
  const hops = text.split(',').map(parseJumpHop);
  if (hops.some((hop) => hop === undefined)) return undefined;
  return hops as JumpHop[];
}

/** `user@host:port` as ssh -G prints a hop (brackets around numeric or IPv6 hosts). */
export function formatJumpHop(hop: JumpHop): string {
  const numeric = hop.host.includes(':') || /^[0-9.]+$/.test(hop.host);
  const host = numeric ? `[${hop.host}]` : hop.host;
  return `${hop.user !== undefined ? `${hop.user}@` : ''}${host}${hop.port !== undefined ? `:${hop.port}` : ''}`;
}
