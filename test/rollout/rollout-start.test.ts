import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout.js';
import type { HostTask } from '../../src/rollout/types.js';

/** A clock that only moves when a task says so: start offsets are exact, whatever the load. */
function manualClock(start: number): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('rollout: host start offsets for the timeline', () => {
  it('gives each started host its start as an offset from the run start, failed hosts included', async () => {
    // Given a run that started at 1000 on the engine clock, one host at a time, each taking 50
    const clock = manualClock(1_500);
    const task: HostTask = async (host) => {
      clock.advance(50);
      if (host === 'b') throw new Error('connection refused');
      return { outcome: 'ok' };
    };
    // When three hosts roll out, one of them skipped
    const { results } = await rollout({
      phase: 'restart-hosts',
      hosts: ['a', 'b', 'c', 'd'],
      skip: new Map([['d', 'in no_restart_targets']]),
      concurrency: 1,
      failureLimit: 5,
      task,
      now: clock.now,
      runStartedAt: 1_000,
    });
    // Then each started host starts where the previous one ended; the skipped one has no start
    expect(results.map((r) => [r.host, r.outcome, r.startMs, r.durationMs])).toEqual([
      ['a', 'ok', 500, 50],
      ['b', 'failed', 550, 50],
      ['c', 'ok', 600, 50],
      ['d', 'skipped', undefined, undefined],
    ]);
  });

  it('leaves startMs out when the run start is not given, as before', async () => {
    // Given no runStartedAt
    const { results } = await rollout({ phase: 'sync-hosts', hosts: ['a'], concurrency: 1, failureLimit: 0, task: async () => ({ outcome: 'ok' }) });
    // Then the result has no startMs key at all (the JSON report stays as it was)
    expect(results[0]).not.toHaveProperty('startMs');
  });
});
