import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout.js';
import type { HostTask, PoolOptions, RolloutEvent } from '../../src/rollout/types.js';
import { FakeFleet, type FakeHostBehaviour } from '../../testing/fake-fleet.js';

/** mulberry32: a tiny seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function restartOn(fleet: FakeFleet): HostTask {
  return async (host, context) => {
    const result = await fleet.exec(host, ['restart'], { signal: context.signal, onStart: () => context.commandStarted() });
    return { outcome: result.exitCode === 0 ? 'ok' : 'warning' };
  };
}

interface Fleet {
  hosts: string[];
  pools: PoolOptions;
  behaviour: Record<string, FakeHostBehaviour>;
}

/** Pools of unequal sizes, hosts shuffled across them, random durations. */
function randomFleet(random: () => number, capOf: (size: number) => number, maxParallel: number): Fleet {
  const sizes = [1 + Math.floor(random() * 12), 1 + Math.floor(random() * 6), 1 + Math.floor(random() * 20), 1 + Math.floor(random() * 3)];
  const of = new Map<string, string>();
  const hosts: string[] = [];
  sizes.forEach((size, p) => {
    for (let i = 0; i < size; i++) {
      const host = `p${p}h${i}`;
      hosts.push(host);
      if (p < sizes.length - 1) of.set(host, `pool${p}`); // the last pool is "default"
    }
  });
  hosts.sort(() => random() - 0.5);
  const poolName = (p: number): string => (p < sizes.length - 1 ? `pool${p}` : 'default');
  const concurrency = new Map(sizes.map((size, p) => [poolName(p), capOf(size)]));
  const behaviour = Object.fromEntries(hosts.map((host) => [host, { execMs: Math.floor(random() * 15) }]));
  return { hosts, pools: { of, concurrency, maxParallel }, behaviour };
}

/** Replay the trace: the limits at every start, and work conservation before every end. */
function checkTrace(events: RolloutEvent[], fleet: Fleet, window: number): { maxRunning: number } {
  const poolOf = (host: string): string => fleet.pools.of.get(host) ?? 'default';
  const waiting = [...fleet.hosts];
  const running = new Map<string, number>();
  let total = 0;
  let maxRunning = 0;
  const mayStart = (host: string): boolean => {
    const inPool = running.get(poolOf(host)) ?? 0;
    const poolsBusy = [...running.values()].filter((n) => n > 0).length;
    const cap = fleet.pools.concurrency.get(poolOf(host)) ?? Infinity;
    return total < window && inPool < cap && (inPool > 0 || fleet.pools.maxParallel === 0 || poolsBusy < fleet.pools.maxParallel);
  };
  const conserved = (): void => {
    const startable = waiting.filter(mayStart);
    expect(startable, `a slot was free while ${startable.join(',')} could start`).toEqual([]);
  };
  for (const event of events) {
    if (event.type === 'host-start') {
      expect(mayStart(event.host), `${event.host} started past a limit`).toBe(true);
      // In phase order within its pool: no earlier host of the same pool is still waiting.
      const index = waiting.indexOf(event.host);
      expect(waiting.slice(0, index).filter((host) => poolOf(host) === poolOf(event.host))).toEqual([]);
      waiting.splice(index, 1);
      running.set(poolOf(event.host), (running.get(poolOf(event.host)) ?? 0) + 1);
      total++;
      maxRunning = Math.max(maxRunning, total);
    } else if (event.type === 'host-end') {
      conserved();
      running.set(poolOf(event.result.host), (running.get(poolOf(event.result.host)) ?? 0) - 1);
      total--;
    }
  }
  conserved();
  expect(waiting).toEqual([]);
  return { maxRunning };
}

describe('rollout with pools', () => {
  it('never exceeds the global, per-pool and parallel-pool limits, and never leaves a usable slot free (many seeds)', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      // Given a random fleet of unequal pools, random caps and durations
      const random = prng(seed);
      const window = 2 + Math.floor(random() * 8);
      const maxParallel = Math.floor(random() * 4);
      const fleet = randomFleet(random, (size) => Math.max(1, Math.ceil(size * (0.1 + random() * 0.5))), maxParallel);
      const fake = new FakeFleet({ hosts: fleet.behaviour });
      const events: RolloutEvent[] = [];
      // When it is rolled out
      const { results, stoppedBy } = await rollout({
        phase: 'restart-hosts',
        hosts: fleet.hosts,
        concurrency: window,
        failureLimit: 0,
        pools: fleet.pools,
        task: restartOn(fake),
        onEvent: (event) => events.push(event),
      });
      // Then every host ran, and the trace holds every limit and conserves work
      expect(stoppedBy, `seed ${seed}`).toBeUndefined();
      expect(
        results.every((result) => result.outcome === 'ok'),
        `seed ${seed}`,
      ).toBe(true);
      checkTrace(events, fleet, window);
    }
  });

  it('halts only the pool past its pool_failure_limit; other pools go on; the phase ends stopped by it', async () => {
    // Given pool a (6 hosts, 1 failure tolerated, cap 1) whose a2 and a3 refuse, and pool b (4 hosts)
    const hosts = ['a1', 'a2', 'b1', 'a3', 'b2', 'a4', 'b3', 'a5', 'b4', 'a6'];
    const of = new Map(hosts.map((host) => [host, host.startsWith('a') ? 'a' : 'b']));
    const fake = new FakeFleet({ hosts: { a2: { refuse: true }, a3: { refuse: true } }, defaults: { execMs: 5 } });
    const events: RolloutEvent[] = [];
    // When it is rolled out with a phase failure_limit high enough not to fire
    const { results, stoppedBy, haltedPools } = await rollout({
      phase: 'restart-hosts',
      hosts,
      concurrency: 3,
      failureLimit: 10,
      pools: {
        of,
        concurrency: new Map([
          ['a', 1],
          ['b', 2],
        ]),
        maxParallel: 0,
        failureLimit: new Map([
          ['a', 1],
          ['b', 0],
        ]),
      },
      task: restartOn(fake),
      onEvent: (event) => events.push(event),
    });
    // Then a's later hosts were not started, with the pool named; b ran entirely
    const outcome = (host: string) => results.find((result) => result.host === host);
    expect(['a1', 'b1', 'b2', 'b3', 'b4'].map((host) => outcome(host)?.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(['a2', 'a3'].map((host) => outcome(host)?.outcome)).toEqual(['failed', 'failed']);
    for (const host of ['a4', 'a5', 'a6']) {
      expect(outcome(host)).toMatchObject({ outcome: 'not-started', error: 'pool a halted: pool_failure_limit reached' });
    }
    expect(stoppedBy).toBe('pool-failure-limit');
    expect(haltedPools).toEqual(['a']);
    expect(events).toContainEqual({ type: 'pool-halted', phase: 'restart-hosts', pool: 'a', failed: 2, limit: 1 });
  });

  it('keeps counting failure_limit over the whole phase', async () => {
    // Given two pools of one failing host each, pool limits 5, phase failure_limit 1
    const fake = new FakeFleet({ hosts: { a1: { refuse: true }, b1: { refuse: true } } });
    const of = new Map([
      ['a1', 'a'],
      ['b1', 'b'],
      ['c1', 'c'],
    ]);
    // When rolled out one at a time
    const { results, stoppedBy } = await rollout({
      phase: 'restart-hosts',
      hosts: ['a1', 'b1', 'c1'],
      concurrency: 1,
      failureLimit: 1,
      pools: {
        of,
        concurrency: new Map(),
        maxParallel: 0,
        failureLimit: new Map([
          ['a', 5],
          ['b', 5],
          ['c', 5],
        ]),
      },
      task: restartOn(fake),
    });
    // Then the phase limit stops the run, across pools
    expect(stoppedBy).toBe('failure-limit');
    expect(results[2]).toMatchObject({ host: 'c1', outcome: 'not-started', error: 'failure limit reached' });
  });
});
