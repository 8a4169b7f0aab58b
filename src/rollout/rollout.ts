import { countResults } from './counts.js';
import { PoolScheduler } from './scheduler.js';
import { settleOrGiveUp } from './settle.js';
import {
  HostStop,
  type HostContext,
  type PoolOptions,
  type HostResult,
  type HostTask,
  type RolloutEvent,
  type StopReason,
  type TaskResult,
  type TimeLimit,
} from './types.js';

export interface RolloutOptions {
  phase: string;
  /** Hosts in the order they start. */
  hosts: readonly string[];
  /** Hosts reported as skipped (with the reason) instead of run. */
  skip?: ReadonlyMap<string, string>;
  /** Most hosts running at once. */
  concurrency: number;
  /** Failed hosts tolerated; one more and no new host starts. */
  failureLimit: number;
  /** Pools (restart phases with `pools` configured): per-pool windows and failure limits. */
  pools?: PoolOptions;
  /** Per-host time limit; past it the host's task is aborted and the host fails with its message. */
  timeout?: TimeLimit;
  /** A host silent (no activity) this long is aborted and fails as stalled. Unset or 0 ms: off. */
  stall?: TimeLimit;
  /** Aborted: no new host starts (first interrupt). */
  stop?: AbortSignal;
  /** Aborted: hosts in flight are stopped too (second interrupt). */
  kill?: AbortSignal;
  task: HostTask;
  onEvent?: (event: RolloutEvent) => void;
  /** How long to wait for an aborted task to wind down before moving on. */
  abortGraceMs?: number;
  now?: () => number;
  /** Errors a task throws that are bugs of the caller, not host failures: rethrown as they are. */
  isBug?: (error: unknown) => boolean;
  /** The run's start on the `now` clock: each started host's result then carries `startMs`. */
  runStartedAt?: number;
}

export interface RolloutResult {
  /** One result per host, in the order of `hosts`. */
  results: HostResult[];
  /** Set when the phase stopped before every host ran. */
  stoppedBy?: StopReason;
  /** Pools halted by their failure limit, in the order they were halted. */
  haltedPools?: string[];
}

/**
 * The rolling-restart engine: runs `task` on every host through a sliding window of
 * bounded concurrency (a new host starts the moment any running one finishes), classifies
 * each host's outcome, stops scheduling past the failure limit or on `stop`, and reports
 * through events. Pure: it knows nothing of SSH, terminals or config files.
 */
export async function rollout(options: RolloutOptions): Promise<RolloutResult> {
  const { phase, hosts, task } = options;
  const now = options.now ?? Date.now;
  const emit = options.onEvent ?? (() => undefined);
  const skip = options.skip ?? new Map<string, string>();
  const graceMs = options.abortGraceMs ?? 10_000;
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`rollout concurrency must be a positive integer, got ${options.concurrency}`);
  }

  const results = new Map<string, HostResult>();
  let running = 0;
  let failed = 0;
  let stoppedBy: StopReason | undefined;
  const counts = () => countResults(hosts.length, results.values(), running);
  const finish = (result: HostResult): void => {
    results.set(result.host, result);
    emit({ type: 'host-end', phase, result });
    emit({ type: 'progress', phase, counts: counts() });
  };

  const runHost = async (host: string): Promise<void> => {
    running++;
    const started = now();
    const at = options.runStartedAt === undefined ? {} : { startMs: started - options.runStartedAt };
    emit({ type: 'host-start', phase, host, at: started });
    const controller = new AbortController();
    const stopWith = (kind: HostStop['kind'], message: string) => () => {
      if (!controller.signal.aborted) controller.abort(new HostStop(kind, message));
    };
    const timers: NodeJS.Timeout[] = [];
    const { timeout, stall } = options;
    if (timeout !== undefined && timeout.ms > 0) timers.push(setTimeout(stopWith('timeout', timeout.message), timeout.ms));
    // The stall clock counts silence of a running command: connecting (and its retries) is not silence.
    let stallTimer: NodeJS.Timeout | undefined;
    let commandRunning = false;
    const armStall = (): void => {
      if (stall === undefined || stall.ms <= 0 || !commandRunning) return;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(stopWith('stalled', stall.message), stall.ms);
    };
    const onKill = stopWith('interrupted', 'stopped by a second interrupt');
    if (options.kill?.aborted) onKill();
    options.kill?.addEventListener('abort', onKill, { once: true });

    const context: HostContext = {
      signal: controller.signal,
      commandStarted: () => {
        commandRunning = true;
        armStall();
        emit({ type: 'host-command', phase, host, at: now() });
      },
      activity: () => {
        commandRunning = true;
        armStall();
        emit({ type: 'host-output', phase, host, at: now() });
      },
      retrying: (attempt, error, delayMs) => emit({ type: 'host-retry', phase, host, attempt, error: error.message, delayMs }),
    };
    let result: HostResult;
    try {
      const done: TaskResult = await settleOrGiveUp(task(host, context), controller.signal, graceMs);
      result = { host, phase, ...done, ...at, durationMs: now() - started };
    } catch (error) {
      if (options.isBug?.(error)) throw error;
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      const message = reason instanceof Error ? reason.message : String(reason);
      result = { host, phase, outcome: 'failed', error: message.split('\n')[0] ?? message, ...at, durationMs: now() - started };
    } finally {
      for (const timer of timers) clearTimeout(timer);
      clearTimeout(stallTimer);
      options.kill?.removeEventListener('abort', onKill);
      running--;
    }
    // Hosts stopped by an interrupt did not fail on their own: they never count toward the limit,
    // and once the run is interrupted, the interrupt is why it stopped.
    const interrupted = options.stop?.aborted === true || options.kill?.aborted === true;
    if (result.outcome === 'failed' && !interrupted) {
      failed++;
      if (failed > options.failureLimit && stoppedBy === undefined) {
        stoppedBy = 'failure-limit';
        emit({ type: 'limit-reached', phase, failed, limit: options.failureLimit });
      }
      countPoolFailure(host);
    }
    finish(result);
    scheduler.end(host);
    pump();
  };

  const poolFailed = new Map<string, number>();
  const halted: string[] = [];
  const countPoolFailure = (host: string): void => {
    const pool = scheduler.poolOf(host);
    const limit = options.pools?.failureLimit?.get(pool);
    const count = (poolFailed.get(pool) ?? 0) + 1;
    poolFailed.set(pool, count);
    if (limit === undefined || count <= limit || halted.includes(pool)) return;
    halted.push(pool);
    emit({ type: 'pool-halted', phase, pool, failed: count, limit });
    const why = `pool ${pool} halted: pool_failure_limit reached`;
    for (const waiting of scheduler.dropPool(pool)) results.set(waiting, { host: waiting, phase, outcome: 'not-started', error: why });
  };

  // Every host end (and the start) pumps the queue: all waiting hosts that may start, start.
  const scheduler = new PoolScheduler(
    hosts.filter((host) => !skip.has(host)),
    {
      concurrency: options.concurrency,
      ...(options.pools ? { poolOf: options.pools.of, poolConcurrency: options.pools.concurrency, maxParallelPools: options.pools.maxParallel } : {}),
    },
  );
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const pump = (): void => {
    if (stoppedBy === undefined && options.stop?.aborted) stoppedBy = 'interrupt';
    if (stoppedBy !== undefined) {
      const why = stoppedBy === 'interrupt' ? 'run interrupted' : 'failure limit reached';
      for (const host of scheduler.dropAll()) results.set(host, { host, phase, outcome: 'not-started', error: why });
    }
    for (const host of scheduler.take()) runHost(host).catch((error: unknown) => settle?.reject(error));
    if (scheduler.runningCount === 0 && scheduler.queued.length === 0) settle?.resolve();
  };

  for (const host of hosts) {
    const reason = skip.get(host);
    if (reason !== undefined) results.set(host, { host, phase, outcome: 'skipped', error: reason });
  }
  emit({ type: 'progress', phase, counts: counts() });
  await new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
    pump();
  });
  const cutShort = hosts.some((h) => results.get(h)?.outcome === 'not-started') || options.kill?.aborted === true;
  if (stoppedBy === undefined && options.stop?.aborted && cutShort) stoppedBy = 'interrupt';
  if (stoppedBy === undefined && halted.length > 0) stoppedBy = 'pool-failure-limit';
  const ordered = hosts.map((host) => {
    const result = results.get(host);
    if (!result) throw new Error(`rollout: host ${host} has no result in phase ${phase}`);
    return result;
  });
  return {
    results: ordered,
    ...(stoppedBy !== undefined ? { stoppedBy } : {}),
    ...(halted.length > 0 ? { haltedPools: halted } : {}),
  };
}
