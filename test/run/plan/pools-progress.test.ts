import { describe, expect, it } from 'vitest';
import { poolProgress } from '../../../src/run/plan/pools.js';
import type { PhasePools } from '../../../src/run/plan/types.js';

describe('pools: progress per pool', () => {
  it('repeats the per-pool counts as hosts finish, at most every few seconds', () => {
    // Given two pools and a clock the test moves
    const pools: PhasePools = {
      of: new Map([
        ['a1', 'app'],
        ['a2', 'app'],
        ['p1', 'api'],
      ]),
      concurrency: new Map([
        ['app', 1],
        ['api', 1],
      ]),
      maxParallel: 0,
      members: [
        { name: 'app', hosts: ['a1', 'a2'] },
        { name: 'api', hosts: ['p1'] },
      ],
    };
    let clock = 0;
    const lines: string[] = [];
    const onHostEnd = poolProgress(
      'restart-hosts',
      pools,
      (line) => lines.push(line),
      5000,
      () => clock,
    );
    // When hosts finish 1 s, 6 s and 7 s in
    clock = 1000;
    onHostEnd({ host: 'a1', phase: 'restart-hosts', outcome: 'ok' });
    clock = 6000;
    onHostEnd({ host: 'p1', phase: 'restart-hosts', outcome: 'failed' });
    clock = 7000;
    onHostEnd({ host: 'a2', phase: 'restart-hosts', outcome: 'ok' });
    // Then one line was printed, at 6 s, with each pool's counts so far
    expect(lines).toEqual(['restart-hosts pools: app ok 1 fail 0; api ok 0 fail 1']);
  });
});
