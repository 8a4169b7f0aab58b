import { type TreeSyncGuarantees, treeSyncOptions } from '../lib/rsync-tree-options.js';
import { temporaryName } from '../lib/temporary-name.js';

/** Exit status of the pull command when the host has no `rsync`. */
export const RSYNC_MISSING_STATUS = 127;

export interface RsyncPullOptions {
  /** The proxy's host name or address (no SSH port: the daemon listens on its own). */
  proxy: string;
  /** The rsync daemon's port on the proxy; undefined: rsync's default (873). */
  daemonPort?: number;
  /** sync_proxy_module: the module whose root is the proxy's deploy_dir. */
  module: string;
  /** The file relative to deploy_dir (and to the module's root). */
  relativePath: string;
  /** Where the file goes on the target: deploy_dir/relativePath. */
  destination: string;
  /** Seconds rsync may wait for the proxy (connection and I/O). */
  timeoutSeconds: number;
  /** The random part of the temporary name (tests pin it). */
  random?: string;
}

/**
 * Run by `sh -c` with the URL, the temporary name and the destination as $1 $2 $3, never
 * spliced into the text: fetch into our temporary name (written in place, so no other name
 * is left behind), then rename it over the file; on any failure the temporary is removed and
 * the old file stays. The destination's folder is created when missing, as a direct write
 * does. No rsync on the host: exit 127 with one line saying so.
 */
export const RSYNC_PULL_SCRIPT = [
  `command -v rsync >/dev/null 2>&1 || { echo "rsync is not installed on this host" >&2; exit ${RSYNC_MISSING_STATUS}; }`,
  'mkdir -p -- "$(dirname -- "$3")" || exit $?',
  'rsync --no-motd --inplace --perms --times --timeout="$4" --contimeout="$4" -- "$1" "$2" || { status=$?; rm -f -- "$2"; exit $status; }',
  'mv -f -- "$2" "$3" || { status=$?; rm -f -- "$2"; exit $status; }',
].join('\n');

/** `rsync://<proxy>[:port]/<module>/<path>` (an IPv6 address in brackets). */
export function rsyncUrl(options: Pick<RsyncPullOptions, 'proxy' | 'daemonPort' | 'module' | 'relativePath'>): string {
  const host = options.proxy.includes(':') ? `[${options.proxy}]` : options.proxy;
  const port = options.daemonPort !== undefined ? `:${options.daemonPort}` : '';
  return `rsync://${host}${port}/${options.module}/${options.relativePath.replace(/^\/+/, '')}`;
}

/** The argv a target runs to fetch the file from a proxy's rsync daemon, atomically. */
export function buildRsyncPull(options: RsyncPullOptions): string[] {
  const temporary = temporaryName(options.destination, options.random);
  return [
    'sh',
    '-c',
    RSYNC_PULL_SCRIPT,
    'deploy-rsync-pull',
    rsyncUrl(options),
    temporary,
    options.destination,
    String(Math.max(1, Math.ceil(options.timeoutSeconds))),
  ];
}

/**
 * Which proxies each target tries, in order: targets are spread evenly (target i starts at
 * proxy i mod n), and each then tries the others in turn before the file comes from here.
 */
export function proxyOrder(targets: readonly string[], proxies: readonly string[]): Map<string, string[]> {
  const order = new Map<string, string[]>();
  targets.forEach((target, index) => {
    order.set(
      target,
      proxies.map((_, step) => proxies[(index + step) % proxies.length] as string),
    );
  });
  return order;
}

/** sync_delete, sync_exclude; in place the backup folder (releases: the live release's copy, to hard-link from). */
export interface RsyncTreePullOptions extends Omit<RsyncPullOptions, 'random'>, TreeSyncGuarantees {}

/** Run by `sh -c` with rsync's arguments as "$@": no rsync on the host is exit 127 with one line. */
export const RSYNC_TREE_PULL_SCRIPT = `command -v rsync >/dev/null 2>&1 || { echo "rsync is not installed on this host" >&2; exit ${RSYNC_MISSING_STATUS}; }\nexec rsync "$@"`;

/**
 * The argv a target runs to pull a folder from a proxy's rsync daemon into `destination`, with
 * the options of a direct tree sync (treeSyncOptions): quick check, delayed updates and
 * deletions, exclusions, backups or hard links, items and stats printed.
 */
export function buildRsyncTreePull(options: RsyncTreePullOptions): string[] {
  const seconds = String(Math.max(1, Math.ceil(options.timeoutSeconds)));
  return [
    'sh',
    '-c',
    RSYNC_TREE_PULL_SCRIPT,
    'deploy-rsync-tree-pull',
    '--no-motd',
    '-rlpt',
    ...treeSyncOptions(options),
    `--timeout=${seconds}`,
    `--contimeout=${seconds}`,
    '--',
    `${rsyncUrl(options).replace(/\/+$/, '')}/`,
    `${options.destination.replace(/\/+$/, '')}/`,
  ];
}
