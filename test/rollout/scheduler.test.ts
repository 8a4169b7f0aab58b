import { describe, expect, it } from 'vitest';
import { PoolScheduler } from '../../src/rollout/scheduler.js';

const pools = (entries: Record<string, string[]>): Map<string, string> =>
  new Map(Object.entries(entries).flatMap(([pool, hosts]) => hosts.map((host) => [host, pool] as [string, string])));

describe('PoolScheduler', () => {
  it('without pools is a plain sliding window in order', () => {
    // Given five hosts and a window of 2
    const scheduler = new PoolScheduler(['a', 'b', 'c', 'd', 'e'], { concurrency: 2 });
    // When it starts, and then one host ends
    const first = scheduler.take();
    scheduler.end('b');
    const second = scheduler.take();
    // Then hosts start in order, at most two at once
    expect(first).toEqual(['a', 'b']);
    expect(second).toEqual(['c']);
    expect(scheduler.take()).toEqual([]);
    expect(scheduler.runningCount).toBe(2);
  });

  it('a host held back by its pool never holds back a host of another pool', () => {
    // Given pool x (cap 1) listed first, then pool y, and a global window of 3
    const scheduler = new PoolScheduler(['x1', 'x2', 'x3', 'y1', 'y2'], {
      concurrency: 3,
      poolOf: pools({ x: ['x1', 'x2', 'x3'], y: ['y1', 'y2'] }),
      poolConcurrency: new Map([
        ['x', 1],
        ['y', 5],
      ]),
    });
    // When it starts
    // Then x2 and x3 wait for x1, and y's hosts fill the window past them
    expect(scheduler.take()).toEqual(['x1', 'y1', 'y2']);
    expect(scheduler.queued).toEqual(['x2', 'x3']);
    // And when x1 ends, x2 takes its place (pool order kept)
    scheduler.end('x1');
    expect(scheduler.take()).toEqual(['x2']);
  });

  it('caps the pools in flight at max_parallel_pools, but a pool in flight may add hosts', () => {
    // Given three pools, at most two in flight, a window of 10
    const scheduler = new PoolScheduler(['a1', 'b1', 'c1', 'a2', 'c2', 'b2'], {
      concurrency: 10,
      poolOf: pools({ a: ['a1', 'a2'], b: ['b1', 'b2'], c: ['c1', 'c2'] }),
      maxParallelPools: 2,
    });
    // When it starts
    // Then pools a and b run (both hosts each), c waits
    expect(scheduler.take()).toEqual(['a1', 'b1', 'a2', 'b2']);
    // And c starts only when a pool empties, not when one host of a pool ends
    scheduler.end('a1');
    expect(scheduler.take()).toEqual([]);
    scheduler.end('a2');
    expect(scheduler.take()).toEqual(['c1', 'c2']);
  });

  it("drops a halted pool's waiting hosts, and everything on stop", () => {
    // Given two pools with a window of 1
    const scheduler = new PoolScheduler(['a1', 'b1', 'a2', 'b2'], { concurrency: 1, poolOf: pools({ a: ['a1', 'a2'], b: ['b1', 'b2'] }) });
    expect(scheduler.take()).toEqual(['a1']);
    // When pool a is halted
    // Then its waiting hosts leave the queue, b's stay
    expect(scheduler.dropPool('a')).toEqual(['a2']);
    expect(scheduler.queued).toEqual(['b1', 'b2']);
    expect(scheduler.dropAll()).toEqual(['b1', 'b2']);
    expect(scheduler.queued).toEqual([]);
  });

  it('puts a host of no pool in "default", and rejects bad caps', () => {
    const scheduler = new PoolScheduler(['z'], { concurrency: 1, poolOf: new Map() });
    expect(scheduler.poolOf('z')).toBe('default');
    expect(() => new PoolScheduler([], { concurrency: 0 })).toThrow(RangeError);
    expect(() => new PoolScheduler([], { concurrency: 1, poolConcurrency: new Map([['p', 0]]) })).toThrow(RangeError);
    expect(() => scheduler.end('z')).toThrow();
  });
});
