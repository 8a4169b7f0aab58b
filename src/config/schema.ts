import { userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { checksKind, type CheckSpec } from './checks-kind.js';
import {
  boolKind,
  concurrencyKind,
  enumKind,
  hostPortKind,
  intKind,
  portKind,
  proxyJumpKind,
  limitKind,
  type Count,
  localPathKind,
  optionalLocalPathKind,
  remotePathKind,
  secondsKind,
  stringKind,
  type Kind,
} from './kinds.js';
import { hostsKind, listKind, poolsKind } from './list-kinds.js';
import { stagesKind, type StageSpec } from './stages-kind.js';
import { expandHome } from '../lib/paths.js';

/** `$XDG_STATE_HOME/deploy/history.jsonl`, or `~/.local/state/deploy/history.jsonl`. */
function defaultHistoryFile(): string {
  const state = process.env.XDG_STATE_HOME || expandHome('~/.local/state');
  return join(state, 'deploy', 'history.jsonl');
}

/** A JavaScript regular expression source that compiles. */
const regexSource = z
  .string()
  .min(1)
  .refine((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  });

export interface KeySpec<T> {
  kind: Kind<T>;
  /** The value when no layer sets the key; a function for defaults read from the machine. */
  default: T | (() => T);
  /** What the key does: the README's table, `deploy config` and the hint of a bad value's error. */
  meaning: string;
  /** How the README and `deploy config --help` show the default, when it is not a plain value. */
  shownDefault?: string;
}

function key<T>(kind: Kind<T>, defaultValue: T | (() => T), meaning: string, shownDefault?: string): KeySpec<T> {
  return { kind, default: defaultValue, meaning, ...(shownDefault !== undefined ? { shownDefault } : {}) };
}

/**
 * The one schema: every config key, its type, default and meaning. Loading, layering,
 * `-D` coercion, error messages and the README's table all come from here.
 * `undefined` as a default means "not set" (optional keys).
 */
export const SCHEMA = {
  transport: key(
    enumKind(['ssh', 'local']),
    'ssh' as 'ssh' | 'local',
    '`local` is the embedded demo: host `h` is the folder `local_fleet_dir/h` and commands run on this machine in it, with `DEPLOY_HOST=h`',
  ),
  local_fleet_dir: key(localPathKind, '.fleet', 'see `transport`'),
  targets: key(hostsKind, [] as string[], 'every host (`name` or `name:port`); a string is a host file, one host per line, `#` comments', '(required)'),
  canaries: key(hostsKind, [] as string[], 'hosts that go first; each must be in `targets`'),
  no_restart_targets: key(hostsKind, [] as string[], 'hosts that get files but are never restarted (job runners)'),
  stage_dir: key<string | undefined>(localPathKind, undefined, 'source root, on this machine', '(required by sync-file)'),
  deploy_dir: key<string | undefined>(remotePathKind, undefined, 'destination root, on the hosts', '(required by sync-file)'),
  ssh_user: key(stringKind, () => userInfo().username, 'remote user; when set, wins over `User` in `ssh_config`', 'current user'),
  ssh_port: key(portKind, 22, 'SSH port, unless a host says name:port; when set, wins over `Port` in `ssh_config`'),
  ssh_key: key<string | undefined>(
    localPathKind,
    undefined,
    'private key, the only key file tried for targets (the agent still is, unless `IdentitiesOnly`); unset: what `ssh` would try (the agent, then each `IdentityFile`; by default `~/.ssh/id_rsa`, `id_ecdsa`, `id_ed25519`, ...)',
    'unset',
  ),
  ssh_known_hosts: key<string | undefined>(
    localPathKind,
    undefined,
    "host keys (jump hosts' too) are always verified. Unset: the files OpenSSH would read for that host (`UserKnownHostsFile`, `GlobalKnownHostsFile`; by default `~/.ssh/known_hosts`, `~/.ssh/known_hosts2`, `/etc/ssh/ssh_known_hosts`, `/etc/ssh/ssh_known_hosts2`); set: this file only. An unknown or changed key fails that host",
    'unset',
  ),
  ssh_config: key(
    localPathKind,
    () => expandHome('~/.ssh/config'),
    'OpenSSH client config, read as `ssh` reads it (`Host`, `Match`, `Include`, tokens, `ProxyJump`, ...; see docs/ssh.md). Unset: `~/.ssh/config`, then `/etc/ssh/ssh_config`; set: this file only, like `ssh -F`',
    '`~/.ssh/config`',
  ),
  ssh_proxy_jump: key<string | undefined>(
    proxyJumpKind,
    undefined,
    '`[user@]host[:port]`, several comma-separated for several hops (first hop first), or `none`; wins over `ProxyJump` in `ssh_config`',
    'unset',
  ),
  ssh_connect_timeout: key(secondsKind, 10, 'seconds to wait for a connection'),
  ssh_connect_retries: key(intKind(0), 2, 'connection attempts after the first, with exponential backoff and jitter'),
  deploy_layout: key(
    enumKind(['in-place', 'releases']),
    'in-place' as 'in-place' | 'releases',
    "how a host's `deploy_dir` changes: `in-place` renames the new files into place together; `releases` builds `releases/<run>/` beside the live one (unchanged files hard-linked) and switches the `current` link with one rename right before the host's restart",
  ),
  keep_releases: key(intKind(1), 5, 'with `releases`: releases kept on each host, `current` included; older ones are removed after a successful run'),
  sync_exclude: key(
    listKind('rsync-style patterns'),
    ['.git/'] as string[],
    'paths of the stage tree never synced and never deleted on the hosts (`*.swp`, `/cache/`, `.git/`), matched relative to the synced folder',
  ),
  sync_delete: key(boolKind, true, "files and folders gone from the synced stage folder are removed from the host's copy"),
  lint: key(
    boolKind,
    true,
    'before any host is touched, check the syntax of the `.php` files (`php -l`, when `php` is on PATH) and `.json` files the run would change',
  ),
  php_fpm_restart_script: key(stringKind, '', 'the safe-restart command; unset or empty: restart phases are skipped', 'unset'),
  php_fpm: key(stringKind, '', 'service name passed to the script', 'unset'),
  php_fpm_opcache_threshold: key(intKind(0), 100, 'free-opcache MB below which the script restarts'),
  always_restart: key(boolKind, false, 'pass `9223372036854775807` as the threshold'),
  restart_sudo_user: key(stringKind, 'root', 'run as `sudo -u <user> --`; empty: no sudo'),
  restart_concurrency: key(concurrencyKind, { value: 10, percent: true }, 'most hosts restarting at once (a percentage rounds up, at least 1)'),
  sync_concurrency: key(concurrencyKind, { value: 80, percent: false }, 'most hosts receiving files at once'),
  restart_order: key(
    enumKind(['config', 'slowest-first']),
    'config' as 'config' | 'slowest-first',
    "order within a restart phase: as listed, or slowest first by each host's last restart (kept beside `history_file`), which shortens rollouts with a few slow hosts (see BENCHMARKS.md)",
  ),
  restart_timeout: key(secondsKind, 300, 'per host; past it the command is killed and the host fails'),
  failure_limit: key(limitKind, { value: 5, percent: true }, 'failed hosts tolerated per phase (a percentage rounds down)'),
  pools: key(
    poolsKind,
    {} as Record<string, string[]>,
    'named groups of targets that must not all restart at once (load-balancer pools, clusters): `{"appserver": "dsh/appserver", "api": ["mw20", "mw21"]}`, each value a host list or host file; a target in no pool is in the pool `default`; a host in two pools is a usage error',
  ),
  pool_concurrency: key(
    concurrencyKind,
    { value: 100, percent: true },
    "most hosts of one pool restarting at once (a percentage of the pool's hosts in the phase rounds up, at least 1)",
  ),
  max_parallel_pools: key(intKind(0), 0, 'most pools with a restart in flight at once; `0`: no limit'),
  pool_failure_limit: key<Count | undefined>(
    limitKind,
    undefined,
    "failed hosts tolerated in one pool (a percentage of the pool's hosts in the phase rounds down); one more and no new host of that pool starts in this run (the pool is halted; other pools go on; the run ends `aborted`)",
    'none',
  ),
  canary_checks: key(
    checksKind,
    [] as CheckSpec[],
    'run after the canaries restart, all must pass: a shell command (run here, from the config file\'s folder, `DEPLOY_CANARIES` set), `{"http": url, "status"?, "contains"?}` or `{"prometheus": base url, "query", "max"?, "max_ratio"?}`; `{host}` runs a command or URL once per canary; `{canaries}` in a query is a regex of the canaries\' names',
  ),
  stages: key(
    stagesKind,
    [] as StageSpec[],
    'steps between the canaries and the rest of the fleet, in order, each `{"name", "hosts" or "share", "wait"?, "checks"?, "pause"?}`: `hosts` a host list or file, `share` an int or percentage of the non-canary targets in no earlier stage; `wait` seconds before `checks` (as `canary_checks`, `{hosts}` a regex of the stage\'s hosts); `pause` pauses the run after it (see "Stages" in the README)',
  ),
  pause_timeout: key(secondsKind, 3600, 'how long a paused run waits for `deploy promote` before it aborts'),
  canary_wait_time: key(secondsKind, 20, 'wait before the checks'),
  canary_check_timeout: key(secondsKind, 120, 'per check'),
  canary_failure_action: key(
    enumKind(['rollback', 'abort']),
    'rollback' as 'rollback' | 'abort',
    'what a `sync-file` run does when canary checks fail: `rollback` puts the old file back on the canaries and restarts them again; `abort` stops and leaves them with the new file. On a terminal the deployer is asked, with this as the default answer',
  ),
  lock_file: key(
    localPathKind,
    '/var/lock/deploy.lock',
    'held for the whole run (its folder must exist); the resume journals live beside it (`<lock_file>.journal/`)',
  ),
  sync_proxies: key(
    hostsKind,
    [] as string[],
    'hosts that receive the file first and serve it to the targets from an rsync daemon (module `sync_proxy_module`, port 873); a target whose proxies fail gets the file from this machine',
  ),
  sync_proxy_module: key(stringKind, 'deploy', "the rsync daemon module on each proxy whose root is that proxy's `deploy_dir`"),
  lock_backend: key(
    enumKind(['file', 'etcd']),
    'file' as 'file' | 'etcd',
    'where the deploy lock lives: `lock_file` on this machine, or a key in etcd (for several deploy servers)',
  ),
  etcd_endpoints: key(listKind('URLs', z.string().url()), ['http://127.0.0.1:2379'], 'etcd v3 endpoints for `lock_backend: "etcd"`'),
  etcd_lock_key: key(stringKind, '/deploy/lock', 'the etcd key that is the lock; its value names the holder'),
  etcd_lock_ttl: key(
    secondsKind,
    30,
    "the etcd lock's lease in seconds, kept alive while a run lasts; a holder that dies loses the lock this long after its last keep-alive",
  ),
  restart_stall_timeout: key(
    secondsKind,
    0,
    'a host whose restart prints nothing and does not finish for this long is stopped and fails as `stalled`; a slow host that talks is left alone',
  ),
  history_file: key(
    localPathKind,
    () => defaultHistoryFile(),
    'every run appends its report here, one JSON line; the restart durations sit beside it',
    '`$XDG_STATE_HOME/deploy/history.jsonl` (or `~/.local/state/...`)',
  ),
  redact_patterns: key(listKind('regular expressions', regexSource), [] as string[], 'matches in recorded output become `[REDACTED]`'),
  redact_output: key(boolKind, false, 'redact on screen and in `--json` too'),
  statsd_host: key(hostPortKind, '', 'send `deploy.<command>` timings and per-outcome counters to statsd (UDP, port 8125 by default)', 'unset'),
  announce_command: key(
    stringKind,
    '',
    'shell command run on this machine when a run starts and when it ends, with `DEPLOY_EVENT`, `DEPLOY_COMMAND`, `DEPLOY_MESSAGE`, `DEPLOY_PATH`, `DEPLOY_LINE` (and at the end `DEPLOY_STATUS`, `DEPLOY_EXIT_CODE`) set; 10 seconds at most; a failure is a warning',
    'unset',
  ),
  metrics_file: key(optionalLocalPathKind, '', "write the run as a Prometheus text file (for node_exporter's textfile collector)", 'unset'),
} as const;

export type ConfigKey = keyof typeof SCHEMA;
type ValueOf<S> = S extends KeySpec<infer T> ? T : never;
export type Config = { -readonly [K in ConfigKey]: ValueOf<(typeof SCHEMA)[K]> };

export const CONFIG_KEYS = Object.keys(SCHEMA) as ConfigKey[];

export function isConfigKey(name: string): name is ConfigKey {
  return Object.hasOwn(SCHEMA, name);
}

export function defaultValue<K extends ConfigKey>(name: K): Config[K] {
  const spec = SCHEMA[name] as KeySpec<Config[K]>;
  return typeof spec.default === 'function' ? (spec.default as () => Config[K])() : spec.default;
}
