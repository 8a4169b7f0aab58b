import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { pausePoints, pauseStages, stageOf, withPauseAfter } from '../../../src/run/plan/pause.js';
import type { Phase, Plan } from '../../../src/run/plan/types.js';

const host = (name: string): Phase => ({ name, kind: 'sync', hosts: ['h'], skip: new Map(), concurrency: 1, failureLimit: 0 }) as unknown as Phase;
const check = (name: string): Phase => ({ name, kind: 'check', canaries: ['h'], checks: [], waitMs: 0, timeoutMs: 1, skipChecks: false }) as unknown as Phase;
const plan = (phases: Phase[]): Plan => ({ command: 'sync-file', phases, notes: [] });

describe('where a run may pause (plan/pause.ts)', () => {
  it('knows the canaries and each stage by its phases, never hosts, proxies or rollback phases', () => {
    // Given a plan with canaries, a stage with a check, a stage without one, then the rest
    const phases = [
      'sync-proxies',
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'sync-group1',
      'restart-group1',
      'check-group1',
      'sync-half',
      'restart-half',
      'sync-hosts',
      'restart-hosts',
      'rollback-sync',
    ];
    const staged = plan(phases.map((name) => (name.startsWith('check-') ? check(name) : host(name))));
    // Then the stages are named in order
    expect(pauseStages(staged)).toEqual(['canaries', 'group1', 'half']);
    expect(stageOf({ name: 'restart-hosts' })).toBeUndefined();
    // And --pause-after marks the stage's last phase: its check, or its restart when it has none
    expect(pausePoints(withPauseAfter(staged, 'canaries'))).toEqual([{ phase: 'check-canaries', stage: 'canaries' }]);
    expect(pausePoints(withPauseAfter(staged, 'group1'))).toEqual([{ phase: 'check-group1', stage: 'group1' }]);
    expect(pausePoints(withPauseAfter(staged, 'half'))).toEqual([{ phase: 'restart-half', stage: 'half' }]);
    // And a stage marked pause by the plan itself is kept
    const marked = plan([check('check-canaries'), { ...check('check-group1'), pause: true } as Phase]);
    expect(pausePoints(withPauseAfter(marked, 'canaries'))).toEqual([
      { phase: 'check-canaries', stage: 'canaries' },
      { phase: 'check-group1', stage: 'group1' },
    ]);
    expect(withPauseAfter(marked, undefined)).toBe(marked);
  });

  it('refuses a name that is no stage (a usage error, exit 2)', () => {
    const noCanaries = plan([host('restart-hosts')]);
    expect(() => withPauseAfter(noCanaries, 'canaries')).toThrow(UserError);
    expect(() => withPauseAfter(noCanaries, 'canaries')).toThrow('--pause-after canaries: this run has no canaries');
    expect(() => withPauseAfter(plan([check('check-canaries')]), 'hosts')).toThrow('--pause-after hosts: no stage is named "hosts" (known: canaries)');
  });
});
