import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../src/lib/map-limited.js';

describe('mapLimited', () => {
  it('keeps item order, and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimited([30, 5, 20, 1, 10, 2], 2, async (ms, index) => {
      most = Math.max(most, ++running);
      await sleep(ms);
      running -= 1;
      return index;
    });
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('starts nothing new after a failure, settles once the running ones have, with the first error', async () => {
    const started: number[] = [];
    let settled = 0;
    const outcome = mapLimited([0, 1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      await sleep(item === 0 ? 5 : 40);
      settled += 1;
      if (item === 0) throw new Error('first');
    });
    await expect(outcome).rejects.toThrow('first');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });

  it('stops at an abort, rejecting with the reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const outcome = mapLimited(
      [0, 1, 2, 3],
      1,
      async (item) => {
        started.push(item);
        if (item === 1) controller.abort(new Error('interrupted'));
      },
      controller.signal,
    );
    await expect(outcome).rejects.toThrow('interrupted');
    expect(started).toEqual([0, 1]);
  });
});
