import { parseHostPort } from '../../lib/host-port.js';
import { SshConfigError } from './config/errors.js';
import { formatJumpHop } from './config/jump-spec.js';
import type { ResolveRequest } from './config/resolve-builtin.js';
import type { ResolvedHost } from './config/resolved-host.js';
import type { SshResolver } from './config/resolver.js';
import type { SshTransportOptions } from './options.js';
import type { SshTarget } from './target.js';

/**
 * The way to one host: the host itself, then the jump host that reaches it, then the one that
 * reaches that jump host, and so on. A ProxyJump list `a,b` for host T means: connect to a,
 * from a to b, from b to T; b is resolved as `ssh -J a b` would resolve it (its own ssh_config,
 * the user and port the list gives), and a with nothing but its own ssh_config.
 */
export interface RouteHop {
  /** Identifies the hop for the run (its resolve request): one connection per jump host. */
  key: string;
  request: ResolveRequest;
  resolved: ResolvedHost;
  target: SshTarget;
  role: 'target' | 'jump';
}

const MAX_HOPS = 10;

/** What `ssh` would be given for a target: `-l`, `-p` from the deploy config when set there, `-J` from ssh_proxy_jump. */
export function targetRequest(host: string, options: SshTransportOptions): ResolveRequest {
  const { name, port: portInName } = parseHostPort(host) ?? { name: host };
  const request: ResolveRequest = { host: name };
  if (options.explicit.user) request.user = options.user;
  const port = portInName ?? (options.explicit.port ? options.port : undefined);
  if (port !== undefined) request.port = port;
  if (options.proxyJump !== undefined && options.proxyJump !== '') request.proxyJump = options.proxyJump;
  return request;
}

export function requestKey(request: ResolveRequest): string {
  return JSON.stringify([request.host, request.user ?? null, request.port ?? null, request.proxyJump ?? null]);
}

/** The request `ssh -W` would make for the last hop of a jump list, reached through the others. */
function jumpRequest(resolved: ResolvedHost): ResolveRequest | undefined {
  const hops = resolved.proxyJump;
  if (hops === undefined || hops.length === 0) return undefined;
  const last = hops[hops.length - 1]!;
  const request: ResolveRequest = { host: last.host };
  if (last.user !== undefined) request.user = last.user;
  if (last.port !== undefined) request.port = last.port;
  if (hops.length > 1) request.proxyJump = hops.slice(0, -1).map(formatJumpHop).join(',');
  return request;
}

export async function resolveRoute(resolver: SshResolver, host: string, first: ResolveRequest): Promise<RouteHop[]> {
  const route: RouteHop[] = [];
  let request: ResolveRequest | undefined = first;
  while (request !== undefined) {
    const key = requestKey(request);
    if (route.some((hop) => hop.key === key)) {
      const names = [...route.map((hop) => hop.target.host), request.host].join(' -> ');
      throw new SshConfigError(`ProxyJump loop: ${names}`);
    }
    if (route.length > MAX_HOPS) throw new SshConfigError(`more than ${MAX_HOPS} jump hosts on the way to ${host}`);
    const resolved = await resolver.resolve(request);
    const role = route.length === 0 ? 'target' : 'jump';
    const label = role === 'target' ? host : jumpSpec(request);
    route.push({
      key,
      request,
      resolved,
      role,
      target: { host: label, alias: request.host, hostName: resolved.hostName, port: resolved.port, user: resolved.user },
    });
    request = jumpRequest(resolved);
  }
  return route;
}

function jumpSpec(request: ResolveRequest): string {
  return formatJumpHop({
    host: request.host,
    ...(request.user !== undefined ? { user: request.user } : {}),
    ...(request.port !== undefined ? { port: request.port } : {}),
  });
}
