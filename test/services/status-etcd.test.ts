import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusView } from '../../src/report/status-view.js';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { syncFile } from '../../src/services/sync-file.js';
import { showStatus, type StatusOptions } from '../../src/services/status.js';
import { etcdAvailable, startEtcd, type TestEtcd } from '../servers/etcd.js';
import { Capture, stepFixture, type StepFixture } from '../run/fixture.js';

/** `deploy status` and `--dry-run` with `lock_backend: "etcd"`, against a real etcd (test/servers/etcd.ts). */
const available = etcdAvailable();
if (!available && process.env.CI) throw new Error('the etcd status tests need etcd and etcdctl (see test/servers/ci-install.sh)');

let etcd: TestEtcd | undefined;
let fixture: StepFixture | undefined;
let keyNumber = 0;
afterEach(async () => fixture?.cleanup());

const etcdConfig = (endpoint: string) => ({
  lock_backend: 'etcd',
  etcd_endpoints: [endpoint],
  etcd_lock_key: `/deploy/status-test-${process.pid}-${keyNumber++}`,
  etcd_lock_ttl: 10,
});

async function status(f: StepFixture, extra: Partial<StatusOptions> = {}): Promise<{ text: string; warnings: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await showStatus({
    configPath: f.configPath,
    defines: [],
    cwd: f.dir,
    systemConfigPath: join(f.dir, 'no-system-config.json'),
    stdout: out,
    stderr: err,
    ...extra,
  });
  expect(code).toBe(0);
  return { text: out.text, warnings: err.text };
}

describe.skipIf(!available)('deploy status with the lock in etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
  }, 60_000);
  afterAll(async () => etcd?.stop());

  it('shows the running deploy with its holder read from etcd, then no deploy running and the last run', async () => {
    // Given a restart holding the etcd lock, its only host hanging
    const config = etcdConfig(etcd!.endpoint);
    fixture = await stepFixture({ targets: ['h0'], ...config }, { hosts: { h0: { hang: true } } });
    const run = phpFpmRestart(fixture.options());
    // When status is looked at while the host runs
    let view: StatusView | undefined;
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(100)) {
      view = JSON.parse((await status(fixture, { json: true })).text) as StatusView;
      if (view.hosts?.some((host) => host.state === 'running')) break;
    }
    const shown = await status(fixture);
    fixture.signals.emit('SIGINT', 'SIGINT');
    fixture.signals.emit('SIGINT', 'SIGINT');
    expect(await run).toBe(130);
    // Then the run, its phase and host are shown, with the holder from the etcd key (this process)
    expect(view).toMatchObject({
      running: true,
      run: { command: 'php-fpm-restart', message: 'test deploy', pid: process.pid },
      phase: { name: 'restart-hosts' },
    });
    expect(view?.holder).toMatchObject({ pid: process.pid, command: 'deploy php-fpm-restart test deploy' });
    expect(view?.holderElsewhere).toBeUndefined();
    expect(shown.text).toMatch(/^deploy php-fpm-restart: test deploy\n/);
    expect(shown.text).toMatch(/\n {2}h0 {2}running {3}for /);
    expect(shown.warnings).toBe('');
    // And the lock was never a file
    expect(existsSync(join(fixture.dir, 'deploy.lock'))).toBe(false);
    // And once the run has ended (the key released), no deploy runs and its last line is shown
    expect((await etcd!.etcdctl(['get', config.etcd_lock_key, '--print-value-only'])).stdout.trim()).toBe('');
    expect((await status(fixture)).text).toMatch(/^no deploy running\nlast run: Interrupted php-fpm-restart/);
  }, 60_000);

  it('names a holder on another deploy server, whose progress is not published here', async () => {
    // Given the etcd key held by a deploy on another machine (no live state here)
    const config = etcdConfig(etcd!.endpoint);
    fixture = await stepFixture({ targets: ['h0'], ...config });
    const holder = {
      user: 'deployer',
      host: 'deploy2.example',
      pid: 4242,
      command: 'deploy sync-file php/x.php elsewhere',
      startedAt: '2026-01-02T03:04:05.000Z',
      nonce: 'abcdef0123456789',
    };
    const put = await etcd!.etcdctl(['put', config.etcd_lock_key, JSON.stringify(holder)]);
    expect(put.code, put.stderr).toBe(0);
    // When status is looked at, as text and JSON
    const shown = await status(fixture);
    const view = JSON.parse((await status(fixture, { json: true })).text) as StatusView;
    // Then a deploy runs, held on deploy2.example, and the text says where to look
    expect(view).toMatchObject({ running: true, holder, holderElsewhere: true });
    expect(shown.text).toContain(
      'A deploy on deploy2.example holds the lock: deployer@deploy2.example pid 4242 running "deploy sync-file php/x.php elsewhere"',
    );
    expect(shown.text).toContain('its progress is shown by deploy status on deploy2.example');
    await etcd!.etcdctl(['del', config.etcd_lock_key]);
  }, 60_000);

  it('still shows the local state, with a warning, when etcd cannot be reached', async () => {
    // Given etcd endpoints where nothing listens
    fixture = await stepFixture({ targets: ['h0'], ...etcdConfig('http://127.0.0.1:1') });
    // When status is looked at
    const shown = await status(fixture);
    // Then it says no deploy runs, and warns that the holder could not be read
    expect(shown.text).toMatch(/^no deploy running/);
    expect(shown.warnings).toMatch(/^Warning: cannot reach etcd at http:\/\/127\.0\.0\.1:1 for the deploy lock: .*; the holder is not shown\n$/);
  }, 60_000);
});

describe('--dry-run names the lock it would take', () => {
  it('gives etcd endpoints, key and lease with lock_backend etcd, and no lock file', async () => {
    // Given the lock in etcd (which need not be up: a dry run connects to nothing)
    fixture = await stepFixture({
      targets: ['t0'],
      canaries: [],
      lock_backend: 'etcd',
      etcd_endpoints: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
      etcd_lock_key: '/deploy/dry',
      etcd_lock_ttl: 30,
    });
    // When sync-file --dry-run runs, as text and as JSON
    expect(await syncFile({ ...fixture.options({ dryRun: true }), path: 'php/index.php' })).toBe(0);
    const text = fixture.stdout.text;
    fixture.stdout.text = '';
    expect(await syncFile({ ...fixture.options({ dryRun: true, json: true }), path: 'php/index.php' })).toBe(0);
    const plan = JSON.parse(fixture.stdout.text) as Record<string, unknown>;
    // Then both name the etcd key and endpoints, never the lock file
    expect(text).toMatch(
      /^Plan for sync-file php\/index\.php \(transport \S+, lock etcd key \/deploy\/dry at http:\/\/127\.0\.0\.1:1, http:\/\/127\.0\.0\.1:2, lease 30s\):/,
    );
    expect(text).not.toContain('deploy.lock');
    expect(plan.lock).toEqual({ backend: 'etcd', endpoints: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], key: '/deploy/dry', ttlSeconds: 30 });
    expect(plan).not.toHaveProperty('lockFile');
  });

  it('gives the lock file with the file backend', async () => {
    // Given the default file lock
    fixture = await stepFixture({ targets: ['t0'], canaries: [] });
    // When sync-file --dry-run --json runs
    expect(await syncFile({ ...fixture.options({ dryRun: true, json: true }), path: 'php/index.php' })).toBe(0);
    const plan = JSON.parse(fixture.stdout.text) as Record<string, unknown>;
    // Then it names the lock file
    expect(plan.lockFile).toBe(join(fixture.dir, 'deploy.lock'));
    expect(plan.lock).toEqual({ backend: 'file', file: join(fixture.dir, 'deploy.lock') });
  });
});
