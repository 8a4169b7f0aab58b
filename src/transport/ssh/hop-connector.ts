import type { Duplex } from 'node:stream';
import { HostFailure } from '../types.js';
import { planAuth } from './auth.js';
import { SshConfigError } from './config/errors.js';
import { ConnectionPool } from './connection-pool.js';
import { authSettingsFor, hostKeyLookupFor, knownHostsFilesFor, refusalContextFor } from './hop-settings.js';
import { JumpConnection } from './jump-connection.js';
import { openConnection } from './open-connection.js';
import { DEFAULT_KEEPALIVE_INTERVAL_MS } from './options.js';
import { expandProxyCommand, startProxyCommand } from './proxy-command.js';
import { type RouteHop, resolveRoute, targetRequest } from './route.js';
import type { SshConnection } from './ssh-connection.js';
import type { SshContext } from './ssh-context.js';
import { targetLabel } from './target.js';

/**
 * Connects to a host the way ssh would: directly, through its ProxyCommand, or through its
 * jump hosts (ProxyJump), each jump host's key verified like a target's. One connection per
 * jump host serves every host behind it for the whole run.
 */
export class HopConnector {
  /** Connections to jump hosts, keyed by their resolve request. */
  readonly jumps: ConnectionPool;
  private readonly routes = new Map<string, RouteHop[]>();

  constructor(private readonly context: SshContext) {
    this.jumps = new ConnectionPool((key, closing) => {
      const route = this.routes.get(key);
      if (route === undefined) return Promise.reject(new HostFailure('connect', `no route to jump host ${key}`));
      return this.connect(route, closing);
    });
  }

  /** The route to `host`, resolved once per run. A config problem is a HostFailure naming it. */
  async route(host: string): Promise<RouteHop[]> {
    let route: RouteHop[];
    try {
      route = await resolveRoute(this.context.resolver, host, targetRequest(host, this.context.options));
    } catch (error) {
      if (error instanceof SshConfigError) throw new HostFailure('connect', `cannot resolve ${host} as ssh would: ${error.message}`);
      throw error;
    }
    route.forEach((hop, index) => {
      if (index > 0 && !this.routes.has(hop.key)) this.routes.set(hop.key, route.slice(index));
    });
    return route;
  }

  /** A ready connection to the first hop of `route`. */
  async connect(route: readonly RouteHop[], closing: AbortSignal): Promise<SshConnection> {
    const hop = route[0]!;
    const { options, env, local } = this.context;
    if (hop.resolved.unsupported.length > 0) {
      throw new HostFailure('connect', `${targetLabel(hop.target)}: ssh_config sets ${hop.resolved.unsupported.join(', ')}, which deploy cannot do`);
    }
    let sock: Duplex | undefined;
    let sockFailure: (() => Promise<string | undefined>) | undefined;
    const next = route[1];
    if (next !== undefined) {
      sock = await this.forwardThrough(hop, next, closing);
    } else if (hop.resolved.proxyCommand !== undefined) {
      const proxy = startProxyCommand(expandProxyCommand(hop.resolved, local), env);
      sock = proxy.sock;
      sockFailure = proxy.failure;
    }
    const files = knownHostsFilesFor(hop, options);
    let entries;
    try {
      entries = this.context.knownHosts.read(files);
    } catch (error) {
      sock?.destroy();
      throw error;
    }
    const hostKeys = hostKeyLookupFor(hop.resolved, entries);
    return openConnection({
      target: hop.target,
      auth: planAuth(authSettingsFor(hop, options), env, this.context.identities),
      hostKeys,
      refusal: refusalContextFor(hop.resolved, hostKeys.name, files),
      connectTimeoutMs: options.connectTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      signal: closing,
      ...(sock !== undefined ? { sock } : {}),
      ...(sockFailure !== undefined ? { sockFailure } : {}),
      ...(hop.role === 'jump' ? { wrap: (target, client) => new JumpConnection(target, client) } : {}),
    });
  }

  /** A channel to `hop` through the jump host `next`; its failures name the jump host. */
  private async forwardThrough(hop: RouteHop, next: RouteHop, closing: AbortSignal): Promise<Duplex> {
    try {
      const jump = (await this.jumps.acquire(next.key, closing)) as JumpConnection;
      return await jump.forward(hop.resolved.hostName, hop.resolved.port);
    } catch (error) {
      if (!(error instanceof HostFailure) || error.kind === 'interrupted') throw error;
      const kind = error.kind === 'host-key' || error.kind === 'auth' ? error.kind : 'connect';
      throw new HostFailure(kind, `could not connect to ${targetLabel(hop.target)} via jump host ${targetLabel(next.target)}: ${error.message}`);
    }
  }

  /** How many jump host connections were opened so far. */
  get jumpConnectionsOpened(): number {
    return this.jumps.opened;
  }
}
