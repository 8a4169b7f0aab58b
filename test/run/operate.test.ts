import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/state/history-file.js';
import { showHistory } from '../../src/services/history.js';
import { removeLock, showLock } from '../../src/services/lock.js';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { syncFile } from '../../src/services/sync-file.js';
import { Capture, stepFixture, type StepFixture } from './fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const hostsNamed = (count: number) => Array.from({ length: count }, (_, i) => `h${i}`);
const execStarts = (f: StepFixture) => f.fleet.records.filter((r) => r.action === 'exec-start').map((r) => r.host);

describe('--resume', () => {
  it('skips exactly the hosts done before and restarts the rest, in the same order', async () => {
    // Given a run of 8 hosts interrupted after the first two
    fixture = await stepFixture({ targets: hostsNamed(8), restart_concurrency: 2 }, { defaults: { execMs: 80 } });
    setTimeout(() => fixture.signals.emit('SIGINT', 'SIGINT'), 40);
    expect(await phpFpmRestart(fixture.options())).toBe(130);
    expect(execStarts(fixture)).toEqual(['h0', 'h1']);
    fixture.fleet.records.length = 0;
    // When it is resumed
    fixture.stdout.text = '';
    const code = await phpFpmRestart(fixture.options({ resume: true, json: true }));
    // Then only the six others ran, in order, and the two done are reported skipped
    expect(code).toBe(0);
    expect(execStarts(fixture)).toEqual(['h2', 'h3', 'h4', 'h5', 'h6', 'h7']);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.hosts.slice(0, 2).map((h: { outcome: string; error: string }) => [h.outcome, h.error.startsWith('done in run ')])).toEqual([
      ['skipped', true],
      ['skipped', true],
    ]);
    // And a resume of a finished run is a clear usage error
    await expect(phpFpmRestart(fixture.options({ resume: true }))).rejects.toThrow(/nothing to resume: the last php-fpm-restart run .* ended success/);
  });

  it('resumes an aborted sync-file: synced hosts are not synced again, failed ones are retried', async () => {
    // Given a sync where h1 failed its restart connection and the limit aborted the run
    fixture = await stepFixture({ targets: hostsNamed(4), failure_limit: 0, restart_concurrency: 1 }, { hosts: { h1: { dropAfterMs: 0, execMs: 50 } } });
    expect(await syncFile({ ...fixture.options(), path: 'php/index.php' })).toBe(1);
    fixture.fleet.setBehaviour('h1', {});
    fixture.fleet.records.length = 0;
    // When resumed
    const code = await syncFile({ ...fixture.options({ resume: true }), path: 'php/index.php' });
    // Then no file was written again, h0's restart was not repeated, and h1..h3 were restarted
    expect(code).toBe(0);
    expect(fixture.fleet.records.filter((r) => r.action === 'write')).toEqual([]);
    expect(execStarts(fixture)).toEqual(['h1', 'h2', 'h3']);
  });

  it('refuses to resume when the staged file changed, or when nothing was ever run', async () => {
    fixture = await stepFixture({ targets: ['a'] });
    await expect(syncFile({ ...fixture.options({ resume: true }), path: 'php/index.php' })).rejects.toThrow(
      /nothing to resume: no earlier run of sync-file php\/index.php/,
    );
    fixture.fleet.setBehaviour('a', { refuse: true });
    await syncFile({ ...fixture.options(), path: 'php/index.php' });
    await writeFile(join(fixture.dir, 'stage', 'php', 'index.php'), 'changed');
    await expect(syncFile({ ...fixture.options({ resume: true }), path: 'php/index.php' })).rejects.toThrow(/php\/index.php changed since run/);
  });
});

describe('the lock', () => {
  const holder = (pid: number) =>
    JSON.stringify({ user: 'alice', host: hostname(), pid, command: 'deploy sync-file x.php', startedAt: '2026-01-01T00:00:00.000Z' });

  it('is taken over with a warning when its holder process is gone', async () => {
    // Given a lock left by a process that no longer exists
    fixture = await stepFixture({ targets: ['a'] });
    await writeFile(join(fixture.dir, 'deploy.lock'), holder(2 ** 22 + 12345));
    // When a deploy runs
    const code = await phpFpmRestart(fixture.options());
    // Then it took the lock over, said so, ran, and released it
    expect(code).toBe(0);
    expect(fixture.stdout.text).toMatch(/Warning: taking over a stale lock .*: its holder is gone \(alice@.* pid 4206649/);
    expect(existsSync(join(fixture.dir, 'deploy.lock'))).toBe(false);
  });

  it('held by a live process stops the run with exit 3 naming the holder, touching nothing', async () => {
    // Given a lock held by this very (live) process
    fixture = await stepFixture({ targets: ['a'] });
    await writeFile(join(fixture.dir, 'deploy.lock'), holder(process.pid));
    // When a deploy runs / Then it is refused with the holder named, and no host was touched
    await expect(phpFpmRestart(fixture.options())).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(new RegExp(`alice@.* pid ${process.pid} running "deploy sync-file x.php" since 2026-01-01`)),
    });
    expect(fixture.fleet.touched()).toEqual([]);
  });

  it('deploy lock shows the holder; deploy unlock refuses a live one unless forced', async () => {
    fixture = await stepFixture({ targets: ['a'] });
    const lockPath = join(fixture.dir, 'deploy.lock');
    await writeFile(lockPath, holder(process.pid));
    const out = new Capture();
    const admin = { configPath: fixture.configPath, defines: [], cwd: fixture.dir, stdout: out, systemConfigPath: '/nonexistent' };
    expect(showLock(admin)).toBe(0);
    expect(out.text).toContain(`is held by alice@${hostname()} pid ${process.pid}`);
    expect(() => removeLock({ ...admin, force: false })).toThrow(/refusing to remove/);
    expect(existsSync(lockPath)).toBe(true);
    expect(removeLock({ ...admin, force: true })).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe('hangs and retries', () => {
  it('stops a silent host with restart_stall_timeout but not a slow host that talks', async () => {
    // Given a silent hung host and a slow talking one, 0.15 s stall limit
    fixture = await stepFixture(
      { targets: ['silent', 'talker'], restart_stall_timeout: 0.15, failure_limit: 1 },
      { hosts: { silent: { hang: true }, talker: { execMs: 400, talkEveryMs: 30 } } },
    );
    // When restarted
    await phpFpmRestart(fixture.options({ json: true }));
    // Then the silent host failed as stalled, the talker finished ok
    const report = JSON.parse(fixture.stdout.text);
    expect(report.hosts[0]).toMatchObject({ host: 'silent', outcome: 'failed', error: 'stalled: no output for 0.15s' });
    expect(report.hosts[1]).toMatchObject({ host: 'talker', outcome: 'ok' });
  });

  it('connects a flaky host on its second try, saying so', async () => {
    // Given a host whose first connection attempt fails, with retries allowed
    fixture = await stepFixture({ targets: ['flaky'] }, { connectRetries: 2, retryDelayMs: 5, hosts: { flaky: { failConnects: 1 } } });
    // When restarted
    const code = await phpFpmRestart(fixture.options());
    // Then it succeeded after one retry, and the retry was shown
    expect(code).toBe(0);
    expect(fixture.stdout.text).toMatch(/flaky: could not connect to flaky: connection reset \(attempt 1\); retrying \(attempt 2\)/);
    expect(fixture.fleet.records.filter((r) => r.action === 'connect')).toHaveLength(1);
  });
});

describe('history and metrics', () => {
  it('record the run with its numbers and without redacted secrets', async () => {
    // Given a host that prints a secret, a redaction pattern, a statsd listener and a metrics file
    const statsd = createSocket('udp4');
    const received: string[] = [];
    statsd.on('message', (message) => received.push(message.toString()));
    await new Promise<void>((resolve) => statsd.bind(0, '127.0.0.1', resolve));
    const port = statsd.address().port;
    fixture = await stepFixture(
      { targets: ['a', 'b'], redact_patterns: ['token=\\w+'], statsd_host: `127.0.0.1:${port}`, metrics_file: 'metrics/deploy.prom' },
      { hosts: { b: { exitCode: 2, stdout: 'auth token=s3cr3t failed\n' } } },
    );
    try {
      // When restarted
      await phpFpmRestart(fixture.options());
      for (let i = 0; i < 50 && received.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      statsd.close();
    }
    // Then history has the run, its counts, and the output with the secret redacted
    const [entry] = readHistory(join(fixture.dir, 'history.jsonl'), (text) => expect.fail(text));
    expect(entry).toMatchObject({ command: 'php-fpm-restart', status: 'warnings', user: userInfo().username });
    expect(entry?.hosts[1]).toMatchObject({ host: 'b', outcome: 'warning', exitCode: 2, stdout: 'auth [REDACTED] failed\n' });
    expect(JSON.stringify(entry)).not.toContain('s3cr3t');
    // And the screen still shows it (redact_output is off)
    expect(fixture.stdout.text).toContain('token=s3cr3t');
    // And statsd got Scap-style names, and the Prometheus file the phase numbers
    expect(received).toContain('deploy.php-fpm-restart.restart-hosts.warning:1|c');
    expect(received.some((line) => /^deploy\.php-fpm-restart:\d+\|ms$/.test(line))).toBe(true);
    const prom = await readFile(join(fixture.dir, 'metrics', 'deploy.prom'), 'utf8');
    expect(prom).toContain('deploy_phase_hosts{command="php-fpm-restart",phase="restart-hosts",outcome="ok"} 1');
    expect(prom).toContain('deploy_phase_hosts{command="php-fpm-restart",phase="restart-hosts",outcome="warning"} 1');
    // And deploy history lists it and shows it
    const out = new Capture();
    const admin = { configPath: fixture.configPath, defines: [], cwd: fixture.dir, stdout: out, systemConfigPath: '/nonexistent' };
    showHistory(admin);
    expect(out.text).toContain(`${entry?.id}`);
    expect(out.text).toMatch(/warnings\s+00m 00s {2}ok 1 warn 1 fail 0/);
    out.text = '';
    showHistory({ ...admin, id: entry?.id?.slice(0, 17) ?? '' });
    expect(out.text).toContain('b restart-hosts: warning [2]');
  });

  it('redact on screen and in --json too with redact_output', async () => {
    fixture = await stepFixture(
      { targets: ['a'], redact_patterns: ['token=\\w+'], redact_output: true },
      { hosts: { a: { exitCode: 1, stderr: 'token=abc123\n' } } },
    );
    await phpFpmRestart(fixture.options({ json: true }));
    expect(fixture.stdout.text + fixture.stderr.text).not.toContain('abc123');
    expect(fixture.stderr.text).toContain('[REDACTED]');
  });
});

describe('restart_order slowest-first', () => {
  it('restarts the hosts that were slowest last time first, the others in config order', async () => {
    // Given a first run where h2 was slow and h4 slower
    fixture = await stepFixture(
      { targets: hostsNamed(6), restart_concurrency: 1, restart_order: 'slowest-first' },
      { defaults: { execMs: 1 }, hosts: { h2: { execMs: 150 }, h4: { execMs: 300 } } },
    );
    await phpFpmRestart(fixture.options());
    expect(execStarts(fixture)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    fixture.fleet.records.length = 0;
    // When it runs again
    await phpFpmRestart(fixture.options());
    // Then h4 and h2 go first, the rest keep their order
    expect(execStarts(fixture)).toEqual(['h4', 'h2', 'h0', 'h1', 'h3', 'h5']);
    // And with the default order, the config order is kept
    fixture.fleet.records.length = 0;
    await phpFpmRestart(fixture.options({ defines: ['restart_order:config'] }));
    expect(execStarts(fixture)).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
  });
});
