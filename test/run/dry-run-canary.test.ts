import { afterEach, describe, expect, it } from 'vitest';
import { syncFile } from '../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const CONFIG = { targets: ['mw01', 'mw02', 'mw03'], canaries: ['mw01', 'mw02'], canary_checks: ['curl -fsS http://{host}/health'] };

describe('--dry-run shows the canary checks and what their failure leads to', () => {
  it('human: the checks, then the rollback phases with the always-restart command', async () => {
    // Given canaries, a check per canary and the default action
    fixture = await stepFixture(CONFIG);
    // When a dry run is printed
    const code = await syncFile({ ...fixture.options({ dryRun: true }), path: 'php/index.php' });
    // Then each check is listed, with the failure action and the rollback phases; nothing was touched
    expect(code).toBe(0);
    const text = fixture.stdout.text;
    expect(text).toMatch(/curl -fsS http:\/\/mw01\/health \(mw01\): passes with/);
    expect(text).toMatch(/if a check fails: rollback \(canary_failure_action/);
    expect(text).toMatch(/rollback-sync \(concurrency 80\): put back on mw01, mw02 what each had/);
    expect(text).toMatch(/rollback-restart \(concurrency 1\): \/usr\/local\/sbin\/restart-php-fpm php7.4-fpm 9223372036854775807\n/);
    expect(fixture.fleet.touched()).toEqual([]);
  });

  it('human: with abort, the canaries keep the new file', async () => {
    // Given canary_failure_action abort
    fixture = await stepFixture({ ...CONFIG, canary_failure_action: 'abort' });
    // When a dry run is printed
    await syncFile({ ...fixture.options({ dryRun: true }), path: 'php/index.php' });
    // Then the action is abort and no rollback phase is shown
    expect(fixture.stdout.text).toMatch(/if a check fails: abort .*\n\s+the canaries keep the new file/);
    expect(fixture.stdout.text).not.toMatch(/rollback-sync/);
  });

  it('JSON: the check phase carries onFailure with the rollback phases', async () => {
    // Given the default action
    fixture = await stepFixture(CONFIG);
    // When a dry run is printed as JSON
    await syncFile({ ...fixture.options({ dryRun: true, json: true }), path: 'php/index.php' });
    // Then check-canaries lists its checks and the failure action with its phases
    const plan = JSON.parse(fixture.stdout.text);
    const check = plan.phases.find((phase: { name: string }) => phase.name === 'check-canaries');
    expect(check.checks).toEqual(['curl -fsS http://mw01/health', 'curl -fsS http://mw02/health']);
    expect(check.onFailure).toEqual({
      action: 'rollback',
      rollback: [
        { name: 'rollback-sync', hosts: ['mw01', 'mw02'], concurrency: 80 },
        { name: 'rollback-restart', hosts: ['mw01', 'mw02'], concurrency: 1, command: '/usr/local/sbin/restart-php-fpm php7.4-fpm 9223372036854775807' },
      ],
    });
  });
});
