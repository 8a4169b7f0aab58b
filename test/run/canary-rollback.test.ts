import { afterEach, describe, expect, it } from 'vitest';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { syncFile } from '../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

const TARGETS = ['mw01', 'mw02', 'mw03', 'mw04'];
const DEST = '/srv/mediawiki/php/index.php';
const NEW = '<?php echo 1;\n';
/** Every byte value, so a rollback that is not byte-exact shows. */
const OLD = Buffer.from(Array.from({ length: 512 }, (_, index) => index % 256));
const ALWAYS = '9223372036854775807';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const fileOn = (host: string) => fixture.fleet.files.get(host)?.get(DEST);
/** The restart commands a host ran, in order. */
const restartsOf = (host: string): string[][] =>
  fixture.fleet.records.filter((record) => record.host === host && record.action === 'exec-start').map((record) => [...(record.argv ?? [])]);

/** Given: mw01 has an old file (mode 640), mw02 has none, the others have the old file too. */
async function fleetWithFailingCheck(extra: Record<string, unknown> = {}): Promise<void> {
  fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01', 'mw02'], canary_checks: ['echo "error rate 12%" >&2; exit 1'], ...extra });
  for (const host of ['mw01', 'mw03', 'mw04']) fixture.fleet.files.set(host, new Map([[DEST, { content: OLD, mode: 0o100640 }]]));
}

describe('sync-file: failed canary checks roll the canaries back (canary_failure_action rollback, the default)', () => {
  it('puts the old file back byte-exact, removes it where there was none, restarts the canaries again with the always threshold, touches no other host', async () => {
    // Given two canaries (one with an old file, one without) and a failing check
    await fleetWithFailingCheck();
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then mw01 has its old content and mode back, and mw02 has no file again
    expect(code).toBe(1);
    expect(fileOn('mw01')?.content.equals(OLD)).toBe(true);
    expect((fileOn('mw01')?.mode ?? 0) & 0o7777).toBe(0o640);
    expect(fileOn('mw02')).toBeUndefined();
    // And each canary was restarted twice: first with the configured threshold, then with the always threshold
    for (const host of ['mw01', 'mw02']) {
      const restarts = restartsOf(host);
      expect(restarts.length).toBe(2);
      expect(restarts[0]?.at(-1)).toBe('100');
      expect(restarts[1]?.at(-1)).toBe(ALWAYS);
    }
    // And no other host was touched; the others still have their old file
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
    expect(fileOn('mw03')?.content.equals(OLD)).toBe(true);
    // And the report is rolled-back, exit 1, listing the rollback phases and their hosts after the checks
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('rolled-back');
    expect(report.exitCode).toBe(1);
    expect(report.phases.map((phase: { name: string }) => phase.name)).toEqual([
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'rollback-sync',
      'rollback-restart',
      'sync-hosts',
      'restart-hosts',
    ]);
    for (const phase of ['rollback-sync', 'rollback-restart']) {
      expect(
        report.hosts.filter((host: { phase: string }) => host.phase === phase).map((host: { host: string; outcome: string }) => [host.host, host.outcome]),
      ).toEqual([
        ['mw01', 'ok'],
        ['mw02', 'ok'],
      ]);
    }
    expect(
      report.hosts
        .filter((host: { phase: string }) => host.phase === 'sync-hosts')
        .map((host: { outcome: string; error: string }) => `${host.outcome}: ${host.error}`),
    ).toEqual(['not-started: canaries rolled back', 'not-started: canaries rolled back']);
  });

  it('ends with the last line the contract gives', async () => {
    // Given the same fleet and failing check
    await fleetWithFailingCheck();
    // When the file is synced (human output)
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then the rollback phases are shown and the last line says what was rolled back
    expect(code).toBe(1);
    expect(fixture.stdout.text).toMatch(/Started rollback-sync\n/);
    expect(fixture.stdout.text).toMatch(/Finished rollback-restart \(duration: /);
    expect(fixture.stdout.text).toMatch(/\d\d:\d\d:\d\d Rolled back php\/index.php on 2 hosts: canary checks failed \(duration: 00m \d\ds\)\n$/);
  });

  it('leaves out a canary that already had the new file, and restarts only the hosts rolled back', async () => {
    // Given mw02 already has the new file before the run
    await fleetWithFailingCheck();
    fixture.fleet.files.set('mw02', new Map([[DEST, { content: Buffer.from(NEW), mode: 0o100644 }]]));
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then mw02 is skipped in both rollback phases, keeps the file, and was restarted once only
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    const mw02 = report.hosts.filter((host: { host: string; phase: string }) => host.host === 'mw02' && host.phase.startsWith('rollback-'));
    expect(mw02.map((host: { outcome: string }) => host.outcome)).toEqual(['skipped', 'skipped']);
    expect(fileOn('mw02')?.content.toString()).toBe(NEW);
    expect(restartsOf('mw02').length).toBe(1);
    expect(fileOn('mw01')?.content.equals(OLD)).toBe(true);
    expect(restartsOf('mw01').length).toBe(2);
  });

  it('never overwrites a canary whose file changed after the run wrote it', async () => {
    // Given a check that changes mw01's file (someone else wrote it) before failing
    await fleetWithFailingCheck({ canary_checks: ['exit 1'] });
    const changed = { content: Buffer.from('hand edit\n'), mode: 0o100644 };
    const exec = fixture.fleet.exec.bind(fixture.fleet);
    fixture.fleet.exec = async (host, argv, options) => {
      const result = await exec(host, argv, options);
      if (host === 'mw01') fixture.fleet.files.get('mw01')?.set(DEST, changed);
      return result;
    };
    // When the file is synced with --json
    await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then mw01 is skipped with the reason and keeps the hand edit
    const report = JSON.parse(fixture.stdout.text);
    const mw01 = report.hosts.find((host: { host: string; phase: string }) => host.host === 'mw01' && host.phase === 'rollback-sync');
    expect(mw01.outcome).toBe('skipped');
    expect(mw01.error).toMatch(/changed since run/);
    expect(fileOn('mw01')?.content.toString()).toBe('hand edit\n');
  });

  it('skips the rollback restart when no restart script is set', async () => {
    // Given no php_fpm_restart_script
    await fleetWithFailingCheck({ php_fpm_restart_script: '' });
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then the rollback has its sync phase only, and the files are back
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('rolled-back');
    expect(report.phases.map((phase: { name: string }) => phase.name)).toEqual(['sync-canaries', 'check-canaries', 'rollback-sync', 'sync-hosts']);
    expect(fileOn('mw01')?.content.equals(OLD)).toBe(true);
    expect(fileOn('mw02')).toBeUndefined();
  });
});

describe('sync-file --resume of a run aborted at its canary checks', () => {
  it("rolls back the canaries the resumed run gave the new file, from that run's record", async () => {
    // Given a run aborted at its canary checks (the canaries keep the new file)
    await fleetWithFailingCheck({ canary_failure_action: 'abort' });
    expect(await syncFile({ ...fixture.options(), path: 'php/index.php' })).toBe(1);
    expect(fileOn('mw01')?.content.toString()).toBe(NEW);
    // When it is resumed with canary_failure_action rollback and the checks fail again
    fixture.stdout.text = '';
    const code = await syncFile({ ...fixture.options({ resume: true, json: true, defines: ['canary_failure_action:rollback'] }), path: 'php/index.php' });
    // Then the canaries, done in the resumed run, are rolled back all the same
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('rolled-back');
    expect(fileOn('mw01')?.content.equals(OLD)).toBe(true);
    expect(fileOn('mw02')).toBeUndefined();
    expect(restartsOf('mw01').at(-1)?.at(-1)).toBe(ALWAYS);
  });
});

describe('sync-file: failed canary checks with canary_failure_action abort', () => {
  it('stops as before and names the canaries that keep the new file', async () => {
    // Given canary_failure_action abort
    await fleetWithFailingCheck({ canary_failure_action: 'abort' });
    // When the file is synced (human output)
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then the run is aborted, exit 1, the canaries keep the new file and were restarted once
    expect(code).toBe(1);
    for (const host of ['mw01', 'mw02']) {
      expect(fileOn(host)?.content.toString()).toBe(NEW);
      expect(restartsOf(host).length).toBe(1);
    }
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
    expect(fixture.stdout.text).not.toMatch(/rollback-sync/);
    expect(fixture.stdout.text).toMatch(
      /Aborted sync-file php\/index.php: canary checks failed; mw01, mw02 keep the new php\/index.php \(not rolled back\) \(duration: 00m \d\ds\)\n$/,
    );
  });
});

describe('php-fpm-restart: failed canary checks', () => {
  it('abort: there is no file to roll back', async () => {
    // Given a failing check, with the default action rollback
    fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01'], canary_checks: ['exit 1'] });
    // When php-fpm is restarted with --json
    const code = await phpFpmRestart({ ...fixture.options({ json: true }) });
    // Then the run is aborted with no rollback phase, and the canary was restarted once
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('aborted');
    expect(report.phases.map((phase: { name: string }) => phase.name)).toEqual(['restart-canaries', 'check-canaries', 'restart-hosts']);
    expect(restartsOf('mw01').length).toBe(1);
  });
});
