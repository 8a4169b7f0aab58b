import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, defaultValue, type Config } from '../../../src/config/schema.js';
import type { StageSpec } from '../../../src/config/stages-kind.js';
import { buildPlan } from '../../../src/run/plan/plan.js';
import type { CheckPhase, HostPhase, Phase } from '../../../src/run/plan/types.js';

const TARGETS = Array.from({ length: 20 }, (_, index) => `mw${String(index + 1).padStart(2, '0')}`);

function config(overrides: Partial<Config>): Config {
  const base = Object.fromEntries(CONFIG_KEYS.map((key) => [key, defaultValue(key)])) as Config;
  return { ...base, php_fpm_restart_script: '/bin/restart', targets: TARGETS, canaries: ['mw01', 'mw02'], ...overrides };
}

const stage = (name: string, pick: Partial<StageSpec>): StageSpec => ({ name, wait: 0, checks: [], pause: false, ...pick });
const THREE: StageSpec[] = [
  stage('one', { share: { value: 10, percent: true }, checks: ['check-one {hosts}'] }),
  stage('group', { hosts: ['mw10', 'mw11'], wait: 30, checks: [{ prometheus: 'http://prom/', query: 'sum(e{host=~"{hosts}"})', max_ratio: 2 }] }),
  stage('quarter', { share: { value: 25, percent: true }, pause: true }),
];
const named = (plan: { phases: Phase[] }, name: string): Phase | undefined => plan.phases.find((phase) => phase.name === name);
const hostsOf = (plan: { phases: Phase[] }, name: string): string[] => (named(plan, name) as HostPhase).hosts;

describe('plan: stages between the canaries and the rest', () => {
  it('puts sync, restart and check of each stage, in order, between check-canaries and sync-hosts', () => {
    // Given canaries, three stages (share, list, share with no wait nor checks) / When sync-file is planned
    const plan = buildPlan(config({ stages: THREE }), { command: 'sync-file', force: false, syncs: true, revertsCanaries: true });
    // Then the phases run in the contract's order; the stage with neither wait nor checks has no check phase
    expect(plan.phases.map((phase) => phase.name)).toEqual([
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'sync-one',
      'restart-one',
      'check-one',
      'sync-group',
      'restart-group',
      'check-group',
      'sync-quarter',
      'restart-quarter',
      'sync-hosts',
      'restart-hosts',
    ]);
    // And each stage takes its hosts: 10% of 18 rounds up to 2 (skipping mw10, mw11 listed later), the list, 25% of the 14 left
    expect(hostsOf(plan, 'sync-one')).toEqual(['mw03', 'mw04']);
    expect(hostsOf(plan, 'restart-group')).toEqual(['mw10', 'mw11']);
    expect(hostsOf(plan, 'sync-quarter')).toEqual(['mw05', 'mw06', 'mw07', 'mw08']);
    // And the rest is every other target, once
    expect(hostsOf(plan, 'sync-hosts')).toEqual(['mw09', 'mw12', 'mw13', 'mw14', 'mw15', 'mw16', 'mw17', 'mw18', 'mw19', 'mw20']);
    // And the plan names the stages, their hosts, wait, pause and last phase
    expect(plan.stages?.map((s) => [s.name, s.hosts.length, s.waitMs, s.pause, s.lastPhase])).toEqual([
      ['one', 2, 0, false, 'check-one'],
      ['group', 2, 30_000, false, 'check-group'],
      ['quarter', 4, 0, true, 'restart-quarter'],
    ]);
  });

  it("checks a stage's hosts with its wait and checks, {hosts} and the environment of the stage", () => {
    // Given the three stages / When planned
    const plan = buildPlan(config({ stages: THREE }), { command: 'sync-file', force: false, syncs: true, revertsCanaries: true });
    const one = named(plan, 'check-one') as CheckPhase;
    const group = named(plan, 'check-group') as CheckPhase;
    // Then the checks name the stage's hosts, and shell checks get DEPLOY_STAGE and DEPLOY_STAGE_HOSTS
    expect(one.checks.map((check) => check.command)).toEqual(['check-one mw03|mw04']);
    expect(one.env).toEqual({ DEPLOY_CANARIES: 'mw01,mw02', DEPLOY_STAGE: 'one', DEPLOY_STAGE_HOSTS: 'mw03,mw04' });
    expect(group.waitMs).toBe(30_000);
    expect((group.checks[0]?.spec as { query: string } | undefined)?.query).toBe('sum(e{host=~"mw10|mw11"})');
  });

  it("rolls back, when a stage's checks fail, every host synced before them, canaries included", () => {
    // Given the three stages / When sync-file is planned
    const plan = buildPlan(config({ stages: THREE }), { command: 'sync-file', force: false, syncs: true, revertsCanaries: true });
    // Then check-canaries rolls back the canaries, check-group the canaries and both first stages
    expect((named(plan, 'check-canaries') as CheckPhase).failure?.sync.hosts).toEqual(['mw01', 'mw02']);
    const failure = (named(plan, 'check-group') as CheckPhase).failure;
    expect(failure?.sync.hosts).toEqual(['mw01', 'mw02', 'mw03', 'mw04', 'mw10', 'mw11']);
    expect(failure?.restart?.hosts).toEqual(['mw01', 'mw02', 'mw03', 'mw04', 'mw10', 'mw11']);
    expect(failure?.restart?.argv.at(-1)).toBe('9223372036854775807');
  });

  it('php-fpm-restart: restart and check per stage, and no rollback (failed checks abort)', () => {
    // Given the three stages / When php-fpm-restart is planned
    const plan = buildPlan(config({ stages: THREE }), { command: 'php-fpm-restart', force: false });
    // Then there are no sync phases, and no check phase has a rollback
    expect(plan.phases.map((phase) => phase.name)).toEqual([
      'restart-canaries',
      'check-canaries',
      'restart-one',
      'check-one',
      'restart-group',
      'check-group',
      'restart-quarter',
      'restart-hosts',
    ]);
    expect(plan.phases.filter((phase): phase is CheckPhase => phase.kind === 'check').every((phase) => phase.failure === undefined)).toBe(true);
  });

  it('without canaries, the first stage leads; its failed checks roll back only itself', () => {
    // Given no canaries and two stages / When planned
    const plan = buildPlan(config({ canaries: [], stages: THREE.slice(0, 2) }), { command: 'sync-file', force: false, syncs: true, revertsCanaries: true });
    // Then the stage phases come first
    expect(plan.phases[0]?.name).toBe('sync-one');
    expect((named(plan, 'check-one') as CheckPhase).failure?.sync.hosts).toEqual(['mw01', 'mw02']);
  });

  it('counts failure_limit, concurrency and pools per stage phase', () => {
    // Given failure_limit 50% and restart_concurrency 50%, pools / When planned
    const plan = buildPlan(
      config({
        stages: THREE,
        failure_limit: { value: 50, percent: true },
        restart_concurrency: { value: 50, percent: true },
        pools: { a: ['mw05', 'mw06'] },
      }),
      { command: 'php-fpm-restart', force: false },
    );
    const quarter = named(plan, 'restart-quarter') as HostPhase & { pools?: { members: unknown } };
    // Then the stage's 4 hosts give a limit of 2 and a window of 2, and its pools are the stage's hosts
    expect([quarter.failureLimit, quarter.concurrency]).toEqual([2, 2]);
    expect(quarter.pools?.members).toEqual([
      { name: 'a', hosts: ['mw05', 'mw06'] },
      { name: 'default', hosts: ['mw07', 'mw08'] },
    ]);
  });
});
