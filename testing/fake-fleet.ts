import { setTimeout as sleep } from 'node:timers/promises';
import { differs, excludedPath, type FakeTreeEntry, readTree } from './fake-tree.js';
import { SharedTrees } from './shared-trees.js';
import { decideReplace, type Wanted } from '../src/transport/replace-plan.js';
import {
  HostFailure,
  type ExecOptions,
  type ExecResult,
  type PreviousFile,
  type ReadFileOptions,
  type ReplaceOptions,
  type SyncTreeOptions,
  type SyncTreeResult,
  type Transport,
  type WriteFileOptions,
  type WriteResult,
} from '../src/transport/types.js';

/** How one synthetic host behaves. Everything defaults to "fine and instant". */
export interface FakeHostBehaviour {
  /** How long a command takes, in ms. */
  execMs?: number;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  /** The command never finishes until it is stopped. */
  hang?: boolean;
  /** Print a line of output every this many ms while running (a slow host that talks). */
  talkEveryMs?: number;
  /** Connecting fails (connection refused). */
  refuse?: boolean;
  /** The first N connection attempts fail, later ones work (a flaky host). */
  failConnects?: number;
  /** The connection drops this many ms into a command. */
  dropAfterMs?: number;
  /** How long a file write takes, in ms. */
  writeMs?: number;
  /** File writes and tree syncs fail (nothing is changed). */
  failWrite?: boolean;
}

export interface FakeFleetOptions {
  /** Per-host behaviour; hosts not named behave with `defaults`. */
  hosts?: Record<string, FakeHostBehaviour>;
  defaults?: FakeHostBehaviour;
  /** Connection attempts after the first, like ssh_connect_retries. */
  connectRetries?: number;
  /** Backoff before retry n is retryDelayMs * 2^(n-1). */
  retryDelayMs?: number;
  /**
   * For benchmarks of the deploy process at thousands of hosts (testing/shared-trees.ts): a
   * source folder is listed once (with its exclusions; sizes, modes and mtimes, not contents)
   * until relistSources, not read once per host; a host that syncs a folder holds the source's
   * listing by reference, not a copy per host; hosts in the same state share one set of result
   * lists (the hosts' memory is not the deploy process's). Such trees are kept apart from
   * `files` (readFile does not see them).
   */
  shareTrees?: boolean;
}

export interface FakeFleetRecord {
  at: number;
  host: string;
  action: 'connect' | 'exec-start' | 'exec-end' | 'write' | 'remove' | 'read' | 'sync';
  argv?: readonly string[];
  path?: string;
}

const rejectOnAbort = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * A synthetic fleet for tests and benchmarks: hosts scripted to be slow, hang, exit N with
 * given output, refuse connections or drop mid-command. Cheap enough for thousands of hosts
 * (timers only). It records what happened to each host, in order, for assertions.
 */
export class FakeFleet implements Transport {
  readonly name = 'fake';
  readonly records: FakeFleetRecord[] = [];
  /** Per host, absolute path to file; a synced tree's entries also carry their mtime (whole seconds). */
  readonly files = new Map<string, Map<string, { content: Buffer; mode: number; mtimeMs?: number; symlink?: boolean }>>();
  running = 0;
  maxRunning = 0;
  private readonly connected = new Set<string>();
  private readonly connectAttempts = new Map<string, number>();
  private readonly shared = new SharedTrees();

  constructor(private readonly options: FakeFleetOptions = {}) {}

  behaviour(host: string): FakeHostBehaviour {
    return { ...this.options.defaults, ...this.options.hosts?.[host] };
  }

  setBehaviour(host: string, behaviour: FakeHostBehaviour): void {
    this.options.hosts = { ...this.options.hosts, [host]: behaviour };
  }

  /** Hosts that had anything done to them (a connection), in order of first contact. */
  touched(): string[] {
    return [...new Set(this.records.map((record) => record.host))];
  }

  private record(host: string, action: FakeFleetRecord['action'], extra: Partial<FakeFleetRecord> = {}): void {
    this.records.push({ at: performance.now(), host, action, ...extra });
  }

  private async connect(host: string, signal: AbortSignal, onRetry?: ExecOptions['onRetry']): Promise<void> {
    if (this.connected.has(host)) return;
    const behaviour = this.behaviour(host);
    const retries = this.options.connectRetries ?? 0;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      const tries = (this.connectAttempts.get(host) ?? 0) + 1;
      this.connectAttempts.set(host, tries);
      const error = behaviour.refuse
        ? new HostFailure('connect', `could not connect to ${host}: connection refused`)
        : tries <= (behaviour.failConnects ?? 0)
          ? new HostFailure('connect', `could not connect to ${host}: connection reset (attempt ${tries})`)
          : undefined;
      if (!error) break;
      if (attempt >= retries) throw error;
      const delayMs = (this.options.retryDelayMs ?? 10) * 2 ** attempt;
      onRetry?.(attempt + 1, error, delayMs);
      await sleep(delayMs, undefined, { signal });
    }
    this.connected.add(host);
    this.record(host, 'connect');
  }

  async exec(host: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    await this.connect(host, options.signal, options.onRetry);
    const behaviour = this.behaviour(host);
    this.record(host, 'exec-start', { argv });
    options.onStart?.();
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    let talker: NodeJS.Timeout | undefined;
    const finished = new AbortController();
    try {
      if (behaviour.talkEveryMs) {
        talker = setInterval(() => options.onOutput?.('stdout', 'still working\n'), behaviour.talkEveryMs);
      }
      const waits: Array<Promise<unknown>> = [rejectOnAbort(options.signal)];
      if (!behaviour.hang) waits.push(sleep(behaviour.execMs ?? 0, undefined, { signal: finished.signal }));
      if (behaviour.dropAfterMs !== undefined) {
        waits.push(
          sleep(behaviour.dropAfterMs, undefined, { signal: finished.signal }).then(() => {
            this.connected.delete(host);
            throw new HostFailure('connection-lost', `connection to ${host} lost: peer stopped answering`);
          }),
        );
      }
      await Promise.race(waits);
      if (behaviour.stdout) options.onOutput?.('stdout', behaviour.stdout);
      if (behaviour.stderr) options.onOutput?.('stderr', behaviour.stderr);
      return { exitCode: behaviour.exitCode ?? 0, stdout: behaviour.stdout ?? '', stderr: behaviour.stderr ?? '', truncated: false };
    } finally {
      finished.abort();
      clearInterval(talker);
      this.running--;
      this.record(host, 'exec-end', { argv });
    }
  }

  async writeFile(host: string, path: string, content: Buffer, options: WriteFileOptions): Promise<WriteResult> {
    return this.replace(host, path, { content, mode: options.mode }, options);
  }

  async readFile(host: string, path: string, options: ReadFileOptions): Promise<PreviousFile | null> {
    await this.connect(host, options.signal, options.onRetry);
    this.record(host, 'read', { path });
    return this.files.get(host)?.get(path) ?? null;
  }

  async removeFile(host: string, path: string, options: ReplaceOptions): Promise<WriteResult> {
    return this.replace(host, path, null, options);
  }

  private async replace(host: string, path: string, wanted: Wanted, options: ReplaceOptions): Promise<WriteResult> {
    await this.connect(host, options.signal, options.onRetry);
    const behaviour = this.behaviour(host);
    if (behaviour.writeMs) await Promise.race([sleep(behaviour.writeMs), rejectOnAbort(options.signal)]);
    if (behaviour.failWrite) throw new HostFailure('transfer', `transfer failed: ${host}: no space left on device`);
    const files = this.files.get(host) ?? new Map<string, { content: Buffer; mode: number }>();
    this.files.set(host, files);
    const current = files.get(path) ?? null;
    this.record(host, wanted === null ? 'remove' : 'write', { path });
    const decision = decideReplace(current, wanted, options.expect);
    if (decision !== 'replace') return decision;
    if (options.keep) await options.keep(current);
    if (wanted === null) files.delete(path);
    else files.set(path, wanted);
    return { changed: true };
  }

  /**
   * rsync's rules in memory: the local tree is read, entries that differ by kind, size, mtime or
   * mode are replaced, those the source lacks removed (with `delete`), excluded paths left
   * alone; all at once, so a failure or an abort changes nothing. `bytesSent` is the sum of
   * the sizes of the files sent. `linkDest` changes nothing here: there is nothing to link.
   */
  async syncTree(host: string, options: SyncTreeOptions): Promise<SyncTreeResult> {
    await this.connect(host, options.signal, options.onRetry);
    const behaviour = this.behaviour(host);
    this.record(host, 'sync', { path: options.destination });
    const wanted = this.options.shareTrees ? await this.shared.source(options.source, options.exclude) : await readTree(options.source, options.exclude);
    if (behaviour.writeMs) await Promise.race([sleep(behaviour.writeMs), rejectOnAbort(options.signal)]);
    options.signal.throwIfAborted();
    if (behaviour.failWrite) throw new HostFailure('transfer', `transfer failed: ${options.destination} on ${host}: no space left on device`);
    if (this.options.shareTrees) return this.shared.sync(host, wanted, options);
    const files = this.files.get(host) ?? new Map<string, FakeTreeEntry>();
    this.files.set(host, files);
    const root = options.destination.replace(/\/+$/, '');
    const result = { changed: [] as string[], created: [] as string[], removed: [] as string[], bytesSent: 0 };
    for (const [relative, entry] of wanted) {
      const path = `${root}/${relative}`;
      const current = files.get(path);
      if (!differs(current === undefined ? undefined : { mtimeMs: -1, ...current }, entry)) continue;
      files.set(path, entry);
      result.changed.push(relative);
      if (current === undefined) result.created.push(relative);
      result.bytesSent += entry.content.length;
    }
    if (options.delete) {
      for (const path of [...files.keys()]) {
        if (!path.startsWith(`${root}/`)) continue;
        const relative = path.slice(root.length + 1);
        if (wanted.has(relative) || excludedPath(options.exclude, relative)) continue;
        files.delete(path);
        result.removed.push(relative);
      }
    }
    return result;
  }

  /** shareTrees: list the sources again at their next sync (the stage changed). */
  relistSources(): void {
    this.shared.relist();
  }

  /** A remote path is the same path here: commands do not run anywhere. */
  commandPath(_host: string, path: string): string {
    return path;
  }

  async close(): Promise<void> {
    this.connected.clear();
  }
}
