import { afterEach, describe, expect, it } from 'vitest';
import { syncFile } from '../../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from '../fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const CONFIG = {
  targets: ['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06'],
  canaries: ['mw01'],
  stages: [
    { name: 'one', share: 1, wait: 30, checks: ['curl -fsS http://{host}/health', 'check-errors {hosts}'] },
    { name: 'half', share: '50%', pause: true },
  ],
};

describe('--dry-run shows each stage', () => {
  it('human: its hosts, wait and checks, then its phases with the rollback of every host synced so far', async () => {
    // Given two stages, the first with a wait and checks
    fixture = await stepFixture(CONFIG);
    // When a dry run is printed
    const code = await syncFile({ ...fixture.options({ dryRun: true }), path: 'php/index.php' });
    // Then the stages are listed with their hosts, wait, checks and pause
    expect(code).toBe(0);
    const text = fixture.stdout.text;
    expect(text).toContain(
      'Stages, between the canaries and the rest (2):\n  one: 1 host (mw02), wait 30s, 2 checks\n  half: 2 hosts (mw03, mw04), wait 0s, no checks, then pause\n',
    );
    // And the stage's phases, its checks with DEPLOY_STAGE and {hosts}, and what their failure rolls back
    expect(text).toMatch(/\d+\. sync-one \(1 host, .*\n\s+hosts: mw02\n/);
    expect(text).toMatch(/check-one: wait 30s, then run here \(timeout 2m 00s each, DEPLOY_CANARIES=mw01, DEPLOY_STAGE=one, DEPLOY_STAGE_HOSTS=mw02\):/);
    expect(text).toContain('     check-errors mw02: passes with exit status 0');
    expect(text).toContain('     curl -fsS http://mw02/health (mw02): passes with');
    expect(text).toMatch(/check-one:[\s\S]*rollback-sync \(concurrency 80\): put back on mw01, mw02 what each had/);
    expect(text).toMatch(/\d+\. sync-half \(2 hosts.*\n\s+hosts: mw03, mw04\n/);
    expect(text).toMatch(/\d+\. sync-hosts \(2 hosts.*\n\s+hosts: mw05, mw06\n/);
    expect(fixture.fleet.touched()).toEqual([]);
  });

  it('JSON: the stages, and their phases as ordinary phases', async () => {
    // Given the same stages / When a dry run is printed as JSON
    fixture = await stepFixture(CONFIG);
    await syncFile({ ...fixture.options({ dryRun: true, json: true }), path: 'php/index.php' });
    // Then the stages are listed, and check-one names its stage, hosts and rollback
    const plan = JSON.parse(fixture.stdout.text);
    expect(plan.stages).toEqual([
      {
        name: 'one',
        hosts: ['mw02'],
        waitMs: 30_000,
        checks: ['curl -fsS http://mw02/health', 'check-errors mw02'],
        pause: false,
        phases: ['sync-one', 'restart-one', 'check-one'],
      },
      { name: 'half', hosts: ['mw03', 'mw04'], waitMs: 0, checks: [], pause: true, phases: ['sync-half', 'restart-half'] },
    ]);
    const check = plan.phases.find((phase: { name: string }) => phase.name === 'check-one');
    expect(check).toMatchObject({ stage: 'one', hosts: ['mw02'], waitMs: 30_000 });
    expect(check.onFailure.rollback[0]).toEqual({ name: 'rollback-sync', hosts: ['mw01', 'mw02'], concurrency: 80 });
  });
});
