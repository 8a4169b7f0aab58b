/** Limits of a pool-aware window. */
export interface SchedulerLimits {
  /** Most hosts running at once (the phase window). */
  concurrency: number;
  /** The pool of each host; a host not listed is in `defaultPool`. */
  poolOf?: ReadonlyMap<string, string>;
  /** Most hosts of one pool running at once; a pool not listed: no cap beyond `concurrency`. */
  poolConcurrency?: ReadonlyMap<string, number>;
  /** Most pools with a host running at once; 0 or unset: no limit. */
  maxParallelPools?: number;
}

export const DEFAULT_POOL = 'default';

/**
 * The queue of a restart phase: hosts wait in the phase's order and `take()` starts every
 * waiting host that may start now, in order. A host may start when fewer than `concurrency`
 * hosts run, fewer than its pool's cap of its pool run, and its pool already has a host
 * running or fewer than `maxParallelPools` pools have. A host held back by its pool never
 * holds back a host of another pool. Call `take()` at the start and after every `end()`:
 * after it returns, no waiting host may start (one pass suffices: starting a host only makes
 * every condition stricter). Pure and synchronous.
 */
export class PoolScheduler {
  private readonly waiting: string[];
  private readonly running = new Map<string, number>();
  private runningTotal = 0;

  constructor(
    hosts: readonly string[],
    private readonly limits: SchedulerLimits,
  ) {
    if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) {
      throw new RangeError(`scheduler concurrency must be a positive integer, got ${limits.concurrency}`);
    }
    for (const [pool, cap] of limits.poolConcurrency ?? []) {
      if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`pool ${pool}: concurrency must be a positive integer, got ${cap}`);
    }
    this.waiting = [...hosts];
  }

  poolOf(host: string): string {
    return this.limits.poolOf?.get(host) ?? DEFAULT_POOL;
  }

  /** Hosts not yet started (nor dropped), in order. */
  get queued(): readonly string[] {
    return this.waiting;
  }

  get runningCount(): number {
    return this.runningTotal;
  }

  /** Whether `host` (waiting) may start now. */
  mayStart(host: string): boolean {
    if (this.runningTotal >= this.limits.concurrency) return false;
    const pool = this.poolOf(host);
    const inPool = this.running.get(pool) ?? 0;
    const cap = this.limits.poolConcurrency?.get(pool) ?? Number.POSITIVE_INFINITY;
    if (inPool >= cap) return false;
    const maxPools = this.limits.maxParallelPools ?? 0;
    return inPool > 0 || maxPools === 0 || this.running.size < maxPools;
  }

  /** Start (and return, in order) every waiting host that may start now. */
  take(): string[] {
    const started: string[] = [];
    for (let i = 0; i < this.waiting.length && this.runningTotal < this.limits.concurrency; ) {
      const host = this.waiting[i] as string;
      if (!this.mayStart(host)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      const pool = this.poolOf(host);
      this.running.set(pool, (this.running.get(pool) ?? 0) + 1);
      this.runningTotal++;
      started.push(host);
    }
    return started;
  }

  /** A started host finished: its slots are free. */
  end(host: string): void {
    const pool = this.poolOf(host);
    const inPool = this.running.get(pool) ?? 0;
    if (inPool <= 0) throw new Error(`scheduler: ${host} ended but no host of pool ${pool} is running`);
    if (inPool === 1) this.running.delete(pool);
    else this.running.set(pool, inPool - 1);
    this.runningTotal--;
  }

  /** Remove and return the waiting hosts of `pool` (halted: none of them will start). */
  dropPool(pool: string): string[] {
    return this.dropWhere((host) => this.poolOf(host) === pool);
  }

  /** Remove and return every waiting host (the phase stopped). */
  dropAll(): string[] {
    return this.dropWhere(() => true);
  }

  private dropWhere(test: (host: string) => boolean): string[] {
    const dropped = this.waiting.filter(test);
    const kept = this.waiting.filter((host) => !test(host));
    this.waiting.splice(0, this.waiting.length, ...kept);
    return dropped;
  }
}
