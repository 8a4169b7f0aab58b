import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { syncFile } from '../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from './fixture.js';

const TARGETS = ['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06'];
let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

/** When each host was first touched, by action. */
const firstAt = (f: StepFixture, host: string, action: string): number =>
  f.fleet.records.find((record) => record.host === host && record.action === action)?.at ?? Number.NaN;

describe('sync-file: canaries first', () => {
  it('syncs, restarts and checks the canaries before any other host is touched', async () => {
    // Given two canaries and a check that records when it ran
    fixture = await stepFixture({
      targets: TARGETS,
      canaries: ['mw01', 'mw02'],
      canary_checks: ['node -e "console.log(process.hrtime.bigint())" > check-ran'],
    });
    const checkFile = join(fixture.dir, 'check-ran');
    let checkSeenBeforeOthers = false;
    fixture.fleet.setBehaviour('mw03', {});
    const originalWrite = fixture.fleet.writeFile.bind(fixture.fleet);
    fixture.fleet.writeFile = async (host, ...rest) => {
      if (host === 'mw03') checkSeenBeforeOthers = existsSync(checkFile);
      return originalWrite(host, ...rest);
    };
    // When the file is synced
    const code = await syncFile({ ...fixture.options(), path: 'php/index.php' });
    // Then the canaries were written and restarted before any other host was contacted, and the check ran in between
    expect(code).toBe(0);
    const canaryRestartsDone = Math.max(firstAt(fixture, 'mw01', 'exec-end'), firstAt(fixture, 'mw02', 'exec-end'));
    for (const host of ['mw03', 'mw04', 'mw05', 'mw06']) expect(firstAt(fixture, host, 'connect')).toBeGreaterThan(canaryRestartsDone);
    expect(fixture.fleet.touched().slice(0, 2).sort()).toEqual(['mw01', 'mw02']);
    expect(checkSeenBeforeOthers).toBe(true);
    // And every host got the file at deploy_dir/<path>
    for (const host of TARGETS) expect(fixture.fleet.files.get(host)?.get('/srv/mediawiki/php/index.php')?.content.toString()).toBe('<?php echo 1;\n');
    expect(fixture.stdout.text).toMatch(/Synchronized php\/index.php: test deploy \(duration: 00m 0\ds\)\n$/);
  });

  it('stops after a failed canary check, touching no other host, exit 1', async () => {
    // Given a canary check that fails, and canary_failure_action abort
    fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01'], canary_checks: ['echo "error rate 12%" >&2; exit 1'], canary_failure_action: 'abort' });
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then only the canary was touched, and the run is aborted with exit 1
    expect(code).toBe(1);
    expect(fixture.fleet.touched()).toEqual(['mw01']);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('aborted');
    expect(report.phases.find((p: { name: string }) => p.name === 'check-canaries')).toMatchObject({ ok: 0, failed: 1 });
    const notReached = report.hosts.filter((h: { phase: string }) => h.phase === 'sync-hosts');
    expect(notReached.length).toBe(TARGETS.length - 1);
    expect(notReached.every((h: { outcome: string }) => h.outcome === 'not-started')).toBe(true);
    expect(fixture.stderr.text).toMatch(/Canary check failed: .* returned \[1\]: error rate 12%/);
    expect(fixture.stderr.text).toMatch(/Aborted sync-file php\/index.php: canary checks failed/);
  });

  it('needs every canary check to pass: one passing check of several is not enough', async () => {
    // Given two checks, the first passing and the second failing
    fixture = await stepFixture({
      targets: TARGETS,
      canaries: ['mw01'],
      canary_checks: ['exit 0', 'echo "latency p99 2.1s" >&2; exit 3'],
      canary_failure_action: 'abort',
    });
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then the run is aborted: both checks ran, one passed, one failed, and no other host was touched
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('aborted');
    expect(report.phases.find((p: { name: string }) => p.name === 'check-canaries')).toMatchObject({ ok: 1, failed: 1 });
    expect(fixture.fleet.touched()).toEqual(['mw01']);
  });

  it('restarts no host whose sync failed, and counts it once', async () => {
    // Given a host whose file write fails, with failures tolerated
    fixture = await stepFixture({ targets: TARGETS, failure_limit: 3 }, { hosts: { mw04: { failWrite: true } } });
    // When the file is synced
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then mw04 failed in sync-hosts, was skipped in restart-hosts with the reason, and the run failed (exit 1)
    const report = JSON.parse(fixture.stdout.text);
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    const mw04 = report.hosts.filter((h: { host: string }) => h.host === 'mw04');
    expect(mw04.map((h: { phase: string; outcome: string }) => `${h.phase}:${h.outcome}`)).toEqual(['sync-hosts:failed', 'restart-hosts:skipped']);
    expect(mw04[1].error).toBe('its sync failed');
    expect(fixture.fleet.records.some((r) => r.host === 'mw04' && r.action === 'exec-start')).toBe(false);
  });
});

describe('php-fpm-restart', () => {
  it('prints a non-zero restart as a warning with its output, and exits 0', async () => {
    // Given a host whose restart script exits 3 with output on both streams
    fixture = await stepFixture({ targets: ['a', 'b'] }, { hosts: { b: { exitCode: 3, stdout: 'not repooled\n', stderr: 'pybal: timeout\nretry later\n' } } });
    // When php-fpm is restarted
    const code = await phpFpmRestart(fixture.options());
    // Then the warning line names the command, host and status, with the output indented under it
    expect(code).toBe(0);
    expect(fixture.stdout.text).toContain(
      '/usr/local/sbin/restart-php-fpm php7.4-fpm 100 on b returned [3]:\n    not repooled\n    pybal: timeout\n    retry later\n',
    );
    expect(fixture.stdout.text).toMatch(/Finished php-fpm-restart: test deploy \(duration: 00m 00s\)\n$/);
  });

  it('puts 9223372036854775807 in the command with -D always_restart:true', async () => {
    // Given the always_restart override
    fixture = await stepFixture({ targets: ['a'] });
    // When php-fpm is restarted
    await phpFpmRestart(fixture.options({ defines: ['always_restart:true'] }));
    // Then the host ran the script with the maximum threshold
    expect(fixture.fleet.records.find((r) => r.action === 'exec-start')?.argv).toEqual([
      '/usr/local/sbin/restart-php-fpm',
      'php7.4-fpm',
      '9223372036854775807',
    ]);
  });

  it('with --force, skips the canary checks with a warning and appends --force', async () => {
    // Given a canary check that would fail
    fixture = await stepFixture({ targets: ['a', 'b'], canaries: ['a'], canary_checks: ['exit 1'] });
    // When restarted with --force
    const code = await phpFpmRestart(fixture.options({ force: true }));
    // Then the check did not run, a warning said so, and both hosts got --force
    expect(code).toBe(0);
    expect(fixture.stdout.text).toMatch(/Warning: --force: skipping canary checks/);
    const argvs = fixture.fleet.records.filter((r) => r.action === 'exec-start').map((r) => r.argv?.at(-1));
    expect(argvs).toEqual(['--force', '--force']);
  });

  it('restarts nothing on job runners and skips restart phases when no script is set', async () => {
    // Given a job runner, then no restart script at all
    fixture = await stepFixture({ targets: ['a', 'job'], no_restart_targets: ['job'] });
    await phpFpmRestart(fixture.options({ json: true }));
    const report = JSON.parse(fixture.stdout.text);
    expect(report.hosts).toEqual([
      expect.objectContaining({ host: 'a', phase: 'restart-hosts', outcome: 'ok' }),
      { host: 'job', phase: 'restart-hosts', outcome: 'skipped', error: 'in no_restart_targets' },
    ]);
    await fixture.cleanup();
    fixture = await stepFixture({ targets: ['a'], php_fpm_restart_script: '' });
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    expect(code).toBe(0);
    expect(JSON.parse(fixture.stdout.text).phases.map((p: { name: string }) => p.name)).toEqual(['sync-hosts']);
    expect(fixture.stderr.text).toContain('php_fpm_restart_script is not set: restart phases are skipped');
  });

  it('aborts at failure_limit: no new host starts and later phases do not run', async () => {
    // Given 10 hosts where the first two refuse connections, one failure tolerated, one at a time
    const hosts = Array.from({ length: 10 }, (_, i) => `h${i}`);
    fixture = await stepFixture({ targets: hosts, failure_limit: 1, restart_concurrency: 1 }, { hosts: { h0: { refuse: true }, h1: { refuse: true } } });
    // When restarted
    const code = await phpFpmRestart(fixture.options({ json: true }));
    // Then the run aborted after the second failure, with the rest not started
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('aborted');
    expect(report.phases[0]).toMatchObject({ name: 'restart-hosts', failed: 2, notStarted: 8 });
    expect(fixture.fleet.records.filter((r) => r.action === 'exec-start')).toHaveLength(0);
    expect(fixture.stderr.text).toMatch(/h0 failed in restart-hosts: could not connect to h0: connection refused/);
  });

  it('kills a host past restart_timeout and fails it as timed out', async () => {
    // Given a host that hangs and a 0.2 s timeout
    fixture = await stepFixture({ targets: ['stuck', 'fine'], restart_timeout: 0.2, failure_limit: 1 }, { hosts: { stuck: { hang: true } } });
    // When restarted
    const code = await phpFpmRestart(fixture.options({ json: true }));
    // Then the hung host failed as timed out and the other one ran
    const report = JSON.parse(fixture.stdout.text);
    expect(code).toBe(1);
    expect(report.hosts[0]).toMatchObject({ host: 'stuck', outcome: 'failed', error: 'timed out after 0.2s' });
    expect(report.hosts[1]).toMatchObject({ host: 'fine', outcome: 'ok' });
    expect(fixture.fleet.running).toBe(0);
  });

  it('rounds a percentage restart_concurrency up', async () => {
    // Given 11 hosts at 10% concurrency (1.1, rounded up to 2)
    const hosts = Array.from({ length: 11 }, (_, i) => `h${i}`);
    fixture = await stepFixture({ targets: hosts, restart_concurrency: '10%' }, { defaults: { execMs: 20 } });
    // When restarted
    await phpFpmRestart(fixture.options());
    // Then two hosts ran at once, never more
    expect(fixture.fleet.maxRunning).toBe(2);
  });
});

describe('interrupts', () => {
  it('on the first signal starts no new host, lets in-flight ones finish, exits 130 and releases the lock', async () => {
    // Given 8 hosts of 100 ms, two at a time
    const hosts = Array.from({ length: 8 }, (_, i) => `h${i}`);
    fixture = await stepFixture({ targets: hosts, restart_concurrency: 2 }, { defaults: { execMs: 100 } });
    setTimeout(() => fixture.signals.emit('SIGINT', 'SIGINT'), 50);
    // When a SIGINT arrives 50 ms in
    const code = await phpFpmRestart(fixture.options({ json: true }));
    // Then the two in flight finished, the rest never started, the lock is gone
    expect(code).toBe(130);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('interrupted');
    expect(report.hosts.map((h: { outcome: string }) => h.outcome)).toEqual(['ok', 'ok', ...Array(6).fill('not-started')]);
    expect(existsSync(join(fixture.dir, 'deploy.lock'))).toBe(false);
    expect(fixture.stderr.text).toMatch(/SIGINT received: no new host will start/);
  });

  it('on the second signal stops the hosts in flight too', async () => {
    // Given hosts that hang
    fixture = await stepFixture({ targets: ['a', 'b', 'c'], restart_concurrency: 2 }, { defaults: { hang: true } });
    setTimeout(() => fixture.signals.emit('SIGINT', 'SIGINT'), 30);
    setTimeout(() => fixture.signals.emit('SIGTERM', 'SIGTERM'), 60);
    // When two signals arrive
    const code = await phpFpmRestart(fixture.options({ json: true }));
    // Then the in-flight hosts were stopped and the run is interrupted
    expect(code).toBe(130);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.hosts.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'failed', 'not-started']);
    expect(fixture.fleet.running).toBe(0);
    expect(existsSync(join(fixture.dir, 'deploy.lock'))).toBe(false);
  });
});
