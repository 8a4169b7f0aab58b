import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { NeedsOpenSsh, SshConfigError } from './errors.js';
import type { ConfigFileCache, ConfigSource } from './evaluate.js';
import { type ResolveRequest, resolveBuiltin } from './resolve-builtin.js';
import { resolveWithOpenSsh } from './resolve-openssh.js';
import type { LocalFacts, ResolvedHost } from './resolved-host.js';

export interface ResolverOptions {
  /** The ssh_config file the deploy config names (like `ssh -F`); unset: ~/.ssh/config, then /etc/ssh/ssh_config. */
  configPath?: string;
  local: LocalFacts;
  env: NodeJS.ProcessEnv;
  /** The `ssh` binary for what deploy's reader leaves to OpenSSH; undefined: none on PATH. */
  ssh: string | undefined;
  /** Bound on one `ssh -G` (a `Match exec` command may hang). */
  timeoutMs: number;
  /** Ask `ssh -G` for every host (diagnostics, the benchmark). */
  alwaysOpenSsh?: boolean;
  /** The system-wide config, /etc/ssh/ssh_config (tests point it elsewhere). */
  systemConfigPath?: string;
}

/**
 * Resolves hosts as `ssh` would, once per host per run. deploy's own reader (microseconds per
 * host) answers unless the config needs OpenSSH to decide (`Match exec`, canonicalization, an
 * unknown keyword, a line it finds wrong); then `ssh -G` does (a few ms of CPU per host), and
 * without an `ssh` binary the host fails naming what needed it.
 */
export class SshResolver {
  private readonly cache = new Map<string, Promise<ResolvedHost>>();
  private readonly files: ConfigFileCache = new Map();
  /** How many hosts went to `ssh -G`: the benchmark and tests read it. */
  openSshRuns = 0;

  constructor(private readonly options: ResolverOptions) {}

  /** The config files ssh reads, in order. */
  get sources(): ConfigSource[] {
    if (this.options.configPath !== undefined) {
      return [{ path: this.options.configPath, explicit: true, user: true, checkPermissions: false }];
    }
    return [
      { path: join(this.options.local.home, '.ssh', 'config'), explicit: false, user: true, checkPermissions: true },
      { path: this.options.systemConfigPath ?? '/etc/ssh/ssh_config', explicit: false, user: false, checkPermissions: false },
    ];
  }

  resolve(request: ResolveRequest): Promise<ResolvedHost> {
    const key = JSON.stringify([request.host, request.user, request.port, request.proxyJump]);
    let entry = this.cache.get(key);
    if (entry === undefined) {
      entry = this.resolveUncached(request);
      this.cache.set(key, entry);
      entry.catch(() => undefined);
    }
    return entry;
  }

  private async resolveUncached(request: ResolveRequest): Promise<ResolvedHost> {
    let reason: string | undefined;
    if (!this.options.alwaysOpenSsh) {
      try {
        return resolveBuiltin(request, { ...this.options.local, sources: this.sources, env: this.options.env, files: this.files });
      } catch (error) {
        if (!(error instanceof NeedsOpenSsh) && !(error instanceof SshConfigError)) throw error;
        // A line deploy's reader refuses: ssh -G has the last word, when there is an ssh.
        if (this.options.ssh === undefined) {
          throw error instanceof NeedsOpenSsh
            ? new SshConfigError(`${error.message} needs OpenSSH's ssh to evaluate, and there is no ssh on PATH (install openssh-client)`)
            : error;
        }
        reason = error.message;
      }
    }
    if (this.options.ssh === undefined) throw new SshConfigError('no ssh on PATH to resolve hosts with (install openssh-client)');
    this.openSshRuns += 1;
    const resolved = await resolveWithOpenSsh(request, {
      ...this.options.local,
      ssh: this.options.ssh,
      ...(this.options.configPath !== undefined ? { configPath: this.options.configPath } : {}),
      env: this.options.env,
      timeoutMs: this.options.timeoutMs,
    });
    if (reason !== undefined) resolved.delegatedBecause = reason;
    return resolved;
  }
}

/** The `ssh` binary on PATH, or undefined. */
export function findSsh(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, 'ssh');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
