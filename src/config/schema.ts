import { userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  boolKind,
  concurrencyKind,
  enumKind,
  hostPortKind,
  hostsKind,
  intKind,
  limitKind,
  listKind,
  localPathKind,
  optionalLocalPathKind,
  remotePathKind,
  secondsKind,
  stringKind,
  type Kind,
} from './kinds.js';
import { expandHome } from '../lib/paths.js';

/** `$XDG_STATE_HOME/deploy/history.jsonl`, or `~/.local/state/deploy/history.jsonl`. */
function defaultHistoryFile(): string {
  const state = process.env.XDG_STATE_HOME || expandHome('~/.local/state');
  return join(state, 'deploy', 'history.jsonl');
}

/** A JavaScript regular expression source that compiles. */
const regexSource = z.string().min(1).refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
});

interface KeySpec<T> {
  kind: Kind<T>;
  /** The value when no layer sets the key; a function for defaults read from the machine. */
  default: T | (() => T);
  meaning: string;
}

function key<T>(kind: Kind<T>, defaultValue: T | (() => T), meaning: string): KeySpec<T> {
  return { kind, default: defaultValue, meaning };
}

/**
 * The one schema: every config key, its type, default and meaning. Loading, layering,
 * `-D` coercion, error messages and the README's table all come from here.
 * `undefined` as a default means "not set" (optional keys).
 */
export const SCHEMA = {
  transport: key(enumKind(['ssh', 'local']), 'ssh' as 'ssh' | 'local', 'how hosts are reached; `local` is the embedded demo: host h is the folder local_fleet_dir/h'),
  local_fleet_dir: key(localPathKind, '.fleet', 'folder holding one folder per host for the local transport'),
  targets: key(hostsKind, [] as string[], 'every host to deploy to (`name` or `name:port`), or a host file'),
  canaries: key(hostsKind, [] as string[], 'hosts that go first; each must also be in targets'),
  no_restart_targets: key(hostsKind, [] as string[], 'hosts that get files but are never restarted'),
  stage_dir: key<string | undefined>(localPathKind, undefined, 'source root for sync-file, on this machine'),
  deploy_dir: key<string | undefined>(remotePathKind, undefined, 'destination root for sync-file, on the hosts'),
  ssh_user: key(stringKind, () => userInfo().username, 'remote user; default: the current user'),
  ssh_port: key(intKind(1), 22, 'SSH port, unless a host says name:port'),
  ssh_key: key<string | undefined>(localPathKind, undefined, 'private key; without it: ssh-agent, then ~/.ssh/id_ed25519, ~/.ssh/id_rsa'),
  ssh_known_hosts: key(localPathKind, () => expandHome('~/.ssh/known_hosts'), 'host keys are always verified against this file'),
  ssh_config: key(localPathKind, () => expandHome('~/.ssh/config'), 'OpenSSH client config read for HostName, Port, User, IdentityFile'),
  ssh_connect_timeout: key(secondsKind, 10, 'seconds to wait for a connection'),
  ssh_connect_retries: key(intKind(0), 2, 'connection attempts after the first, with exponential backoff and jitter'),
  php_fpm_restart_script: key(stringKind, '', 'the safe-restart command run on each host; empty: restart phases are skipped'),
  php_fpm: key(stringKind, '', 'php-fpm service name passed to the script, e.g. php7.4-fpm'),
  php_fpm_opcache_threshold: key(intKind(0), 100, 'free-opcache MB below which the script restarts'),
  always_restart: key(boolKind, false, 'restart every host whatever its opcache state'),
  restart_sudo_user: key(stringKind, 'root', 'the restart runs as `sudo -u <user> --`; empty: no sudo'),
  restart_concurrency: key(concurrencyKind, { value: 10, percent: true }, 'most hosts restarting at once: an integer or a percentage of the phase (rounded up, at least 1)'),
  sync_concurrency: key(concurrencyKind, { value: 80, percent: false }, 'most hosts receiving files at once'),
  restart_order: key(enumKind(['config', 'slowest-first']), 'config' as 'config' | 'slowest-first', 'order of hosts within a restart phase: as listed, or slowest first by their last restart (shorter rollouts)'),
  restart_timeout: key(secondsKind, 300, 'seconds per host; past it the command is killed and the host fails'),
  failure_limit: key(limitKind, { value: 5, percent: true }, 'failed hosts tolerated per phase (integer, or percentage rounded down); one more aborts'),
  canary_checks: key(listKind('shell commands'), [] as string[], 'commands run here after the canaries restart; all must exit 0; `{host}` runs once per canary'),
  canary_wait_time: key(secondsKind, 20, 'seconds between the canary restart and the checks'),
  canary_check_timeout: key(secondsKind, 120, 'seconds per check command'),
  lock_file: key(localPathKind, '/var/lock/deploy.lock', 'held for the whole run; the resume journals live beside it'),
  restart_stall_timeout: key(secondsKind, 0, 'a host whose restart prints nothing and does not finish for this long is stopped and fails as stalled; 0: off'),
  history_file: key(localPathKind, () => defaultHistoryFile(), 'every run appends its report here (JSON lines)'),
  redact_patterns: key(listKind('regular expressions', regexSource), [] as string[], 'matches in recorded output become [REDACTED]'),
  redact_output: key(boolKind, false, 'also redact output shown on screen and in --json'),
  statsd_host: key(hostPortKind, '', 'host:port of a statsd server for phase timings and host counts; empty: off'),
  metrics_file: key(optionalLocalPathKind, '', 'write a Prometheus text file of the run here; empty: off'),
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
