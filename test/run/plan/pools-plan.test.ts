import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, defaultValue, type Config } from '../../../src/config/schema.js';
import { buildPlan } from '../../../src/run/plan/plan.js';
import type { RestartPhase } from '../../../src/run/plan/types.js';

function config(overrides: Partial<Config>): Config {
  const base = Object.fromEntries(CONFIG_KEYS.map((key) => [key, defaultValue(key)])) as Config;
  return { ...base, php_fpm_restart_script: '/bin/restart', ...overrides };
}

describe('plan: pools in restart phases', () => {
  it("keeps slowest-first order, and computes each pool's cap and failure limit from its hosts in the phase", () => {
    // Given pools a (4 hosts, one a job runner) and b (2), restart_order slowest-first, 50% per pool
    const durations = new Map([
      ['a1', 1000],
      ['a2', 9000],
      ['a3', 5000],
      ['b1', 3000],
      ['b2', 7000],
      ['c1', 8000],
    ]);
    const plan = buildPlan(
      config({
        targets: ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'c1'],
        no_restart_targets: ['a4'],
        pools: { a: ['a1', 'a2', 'a3', 'a4'], b: ['b1', 'b2'] },
        pool_concurrency: { value: 50, percent: true },
        pool_failure_limit: { value: 50, percent: true },
        max_parallel_pools: 2,
        restart_order: 'slowest-first',
      }),
      { command: 'php-fpm-restart', force: false, durations },
    );
    // When the restart phase is read
    const phase = plan.phases.find((p) => p.name === 'restart-hosts') as RestartPhase;
    // Then hosts are slowest first (a4, never timed, counts as the median), pools list them in that order (a4 skipped: not counted)
    expect(phase.hosts).toEqual(['a2', 'c1', 'a4', 'b2', 'a3', 'b1', 'a1']);
    expect(phase.pools?.members).toEqual([
      { name: 'a', hosts: ['a2', 'a3', 'a1'] },
      { name: 'b', hosts: ['b2', 'b1'] },
      { name: 'default', hosts: ['c1'] },
    ]);
    // And 50% of 3 rounds up to 2, its failure limit down to 1; a pool of 1 gets cap 1, limit 0
    expect(Object.fromEntries(phase.pools?.concurrency ?? [])).toEqual({ a: 2, b: 1, default: 1 });
    expect(Object.fromEntries(phase.pools?.failureLimit ?? [])).toEqual({ a: 1, b: 1, default: 0 });
    expect(phase.pools?.maxParallel).toBe(2);
  });

  it('leaves phases without pools when none are configured', () => {
    const plan = buildPlan(config({ targets: ['a', 'b'] }), { command: 'php-fpm-restart', force: false });
    expect((plan.phases[0] as RestartPhase).pools).toBeUndefined();
    expect(plan.pools).toBeUndefined();
  });
});
