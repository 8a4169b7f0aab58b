import { hostName } from '../../config/hosts.js';
import { buildRsyncPull, RSYNC_MISSING_STATUS } from '../../remote-commands/rsync-pull.js';
import type { HostContext, HostTask } from '../../rollout/types.js';
import type { Transport } from '../../transport/types.js';
import type { VersionKeeper } from './version-keeper.js';
import type { StagedFile } from '../prepare/stage-file.js';

/** Where a target's file came from: a proxy's name, or `direct` (this machine). */
export type FileSource = string;
export const DIRECT_SOURCE = 'direct';

export interface ProxySyncOptions {
  /** Each target's proxies, in the order it tries them (see proxyOrder). */
  order: ReadonlyMap<string, readonly string[]>;
  /** sync_proxy_module */
  module: string;
  /** The daemons' port; undefined: rsync's 873. */
  daemonPort?: number;
  timeoutSeconds: number;
  /** Proxies whose own sync failed in `sync-proxies`: never asked. */
  failedProxies: ReadonlySet<string>;
  /** Filled in per target as it finishes, for the report's `source`. */
  sources: Map<string, FileSource>;
  /** Keeps what each target had before the pull replaced it. */
  keeper?: VersionKeeper;
}

/**
 * With a keeper, read what the target has now and keep it before a pull replaces it (a pull
 * cannot hand the old file back as a direct write does). Returns whether the target already
 * has the file, so nothing is kept or recorded for it.
 */
async function keepBeforePull(transport: Transport, host: string, file: StagedFile, keeper: VersionKeeper, context: HostContext): Promise<boolean> {
  const current = await transport.readFile(host, file.destination, {
    signal: context.signal,
    onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
  });
  if (current !== null && current.mode === (file.mode & 0o7777) && current.content.equals(file.content)) return true;
  await keeper.keep(host, current);
  return false;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** A pull from one proxy: rsync's exit status on the target, the line that says why it failed, and what it read. */
export interface ProxyPull<T> {
  exitCode: number;
  reason: string;
  got?: T;
}

/**
 * Ask a target's proxies in turn (those whose own sync failed passed over) until one serves it:
 * returns that proxy and what its pull read, if any, and the lines saying why each other was
 * passed over. A target without rsync stops asking at once.
 */
export async function pullFromProxies<T = undefined>(
  host: string,
  options: Pick<ProxySyncOptions, 'order' | 'failedProxies'>,
  pull: (proxy: string) => Promise<ProxyPull<T>>,
): Promise<{ proxy?: string; got?: T; passedOver: string[] }> {
  const passedOver: string[] = [];
  for (const proxy of options.order.get(host) ?? []) {
    if (options.failedProxies.has(proxy)) {
      passedOver.push(`${proxy}: its own sync failed`);
      continue;
    }
    const pulled = await pull(proxy);
    if (pulled.exitCode === 0) return { proxy, ...(pulled.got !== undefined ? { got: pulled.got } : {}), passedOver };
    if (pulled.exitCode === RSYNC_MISSING_STATUS) {
      passedOver.push('rsync is not installed on this host');
      break;
    }
    passedOver.push(`${proxy}: rsync exited ${pulled.exitCode}${pulled.reason !== '' ? `: ${pulled.reason}` : ''}`);
  }
  return { passedOver };
}

/** The lines saying why proxies were passed over, as the host's stderr. */
export function passedOverLines(passedOver: readonly string[]): { stderr?: string } {
  return passedOver.length > 0 ? { stderr: passedOver.join('\n') } : {};
}

/**
 * A sync task that has each target pull the file from its proxies in turn (rsync from the
 * proxy's daemon, atomically), and write it straight from this machine when none served it or
 * the target has no rsync. The lines saying why a proxy was passed over go in the host's stderr.
 */
export function proxySyncTask(transport: Transport, file: StagedFile, options: ProxySyncOptions): HostTask {
  return async (host, context) => {
    const { keeper } = options;
    const already = keeper ? await keepBeforePull(transport, host, file, keeper, context) : false;
    const pulled = (): void => {
      if (!already) keeper?.replaced(host, file.destination, file);
    };
    // A proxy listed as name:port names its SSH port; its rsync daemon listens on its own.
    const { proxy, passedOver } = await pullFromProxies(host, options, async (from) => {
      const argv = buildRsyncPull({
        proxy: hostName(from),
        ...(options.daemonPort !== undefined ? { daemonPort: options.daemonPort } : {}),
        module: options.module,
        relativePath: file.relativePath,
        destination: file.destination,
        timeoutSeconds: options.timeoutSeconds,
      });
      const result = await transport.exec(host, argv, {
        signal: context.signal,
        onStart: () => context.commandStarted(),
        onOutput: () => context.activity(),
        onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
      });
      return { exitCode: result.exitCode, reason: firstLine(result.stderr) };
    });
    if (proxy !== undefined) {
      pulled();
      options.sources.set(host, proxy);
      return { outcome: 'ok', ...passedOverLines(passedOver) };
    }
    const written = await transport.writeFile(host, file.destination, file.content, {
      signal: context.signal,
      mode: file.mode,
      onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
    });
    if (written.changed) pulled();
    options.sources.set(host, DIRECT_SOURCE);
    return { outcome: 'ok', ...passedOverLines(passedOver), ...(written.changed ? {} : { note: 'unchanged' }) };
  };
}
