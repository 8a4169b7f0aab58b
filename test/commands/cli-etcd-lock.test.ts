import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempProject, type TempProject } from '../helpers/cli.js';
import { etcdAvailable, startEtcd, type TestEtcd } from '../servers/etcd.js';

/**
 * `lock_backend: "etcd"` with a real etcd (test/servers/etcd.ts) and the built CLI on the
 * local transport (`npm test` builds it first).
 */
const available = etcdAvailable();
if (!available && process.env.CI) throw new Error('the etcd lock tests need etcd and etcdctl (see test/servers/ci-install.sh)');

let etcd: TestEtcd;
let project: TempProject | undefined;
let holder: ChildProcess | undefined;
let keyNumber = 0;

beforeAll(async () => {
  if (available) etcd = await startEtcd();
}, 60_000);
afterAll(async () => etcd?.stop());
afterEach(async () => {
  if (holder?.pid !== undefined && holder.exitCode === null && holder.signalCode === null) process.kill(-holder.pid, 'SIGKILL');
  holder = undefined;
  await project?.cleanup();
  project = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A project whose lock is a fresh etcd key; its restart script sleeps `restartSeconds`. */
async function etcdProject(ttl: number, restartSeconds = 0): Promise<{ project: TempProject; key: string }> {
  const key = `/deploy/test-lock-${process.pid}-${keyNumber++}`;
  project = await makeTempProject({ config: { lock_backend: 'etcd', etcd_endpoints: [etcd.endpoint], etcd_lock_key: key, etcd_lock_ttl: ttl } });
  const script = join(project.dir, 'slow-restart.sh');
  await writeFile(script, `#!/bin/sh\nsleep ${restartSeconds}\n`);
  await chmod(script, 0o755);
  await writeFile(project.configPath, `${JSON.stringify({ ...project.config, php_fpm_restart_script: script }, null, 2)}\n`);
  return { project, key };
}

async function keyValue(key: string): Promise<string> {
  const result = await etcd.etcdctl(['get', key, '--print-value-only']);
  if (result.code !== 0) throw new Error(`etcdctl get failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Starts `deploy php-fpm-restart` in its own process group and waits until it holds the key. */
async function startHolder(p: TempProject, key: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'php-fpm-restart', 'slow run'], {
    cwd: p.dir,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, CI: '1', XDG_STATE_HOME: join(p.dir, 'state') },
  });
  holder = child;
  for (let waited = 0; waited < 60_000; waited += 200) {
    if ((await keyValue(key)) !== '') return child;
    if (child.exitCode !== null) throw new Error(`the holder run exited ${child.exitCode} before taking the lock`);
    await sleep(200);
  }
  throw new Error('the holder run never took the etcd lock');
}

describe.skipIf(!available)('deploy: the etcd lock', () => {
  it('a second run exits 3 naming the holder; a killed holder frees the lock a TTL later, not before; then a run succeeds and releases it', async () => {
    // Given a run holding the etcd lock (its canary restart sleeps a minute), TTL 6 s (keep-alive every 2 s)
    const { project: p, key } = await etcdProject(6, 60);
    const child = await startHolder(p, key);
    expect(JSON.parse(await keyValue(key))).toMatchObject({ pid: child.pid, command: 'deploy php-fpm-restart slow run' });
    // When a second run starts
    const second = await p.run(['php-fpm-restart', 'second']);
    // Then it exits 3 naming the holder's pid and command
    expect(second.exitCode, second.stderr).toBe(3);
    expect(second.stderr).toContain(`another deploy holds the etcd lock ${key}`);
    expect(second.stderr).toContain(`pid ${child.pid} running "deploy php-fpm-restart slow run"`);

    // When the holder is killed with SIGKILL (no release)
    process.kill(-(child.pid as number), 'SIGKILL');
    const killedAt = Date.now();
    await sleep(1_500);
    // Then the lock is still held 1.5 s later (the lease outlives its last keep-alive by the TTL)
    expect(await keyValue(key)).not.toBe('');
    // And it frees once the lease expires: no sooner than TTL minus one keep-alive interval
    let freedAfterMs = -1;
    for (let waited = 0; waited < 30_000; waited += 200) {
      if ((await keyValue(key)) === '') {
        freedAfterMs = Date.now() - killedAt;
        break;
      }
      await sleep(200);
    }
    expect(freedAfterMs).toBeGreaterThanOrEqual(3_500);

    // When a run starts now (restart script quick)
    await writeFile(join(p.dir, 'slow-restart.sh'), '#!/bin/sh\nexit 0\n');
    const third = await p.run(['php-fpm-restart', 'third']);
    // Then it succeeds and leaves no lock behind
    expect(third.exitCode, third.stderr).toBe(0);
    expect(await keyValue(key)).toBe('');
  }, 120_000);

  it('deploy lock shows the holder; deploy unlock refuses a live holder and removes it with --force', async () => {
    // Given the key held by this (live) test process
    const { project: p, key } = await etcdProject(30);
    const held = {
      user: userInfo().username,
      host: hostname(),
      pid: process.pid,
      command: 'deploy sync-file x.php train',
      startedAt: '2026-01-02T03:04:05.678Z',
    };
    expect((await etcd.etcdctl(['put', key, JSON.stringify(held)])).code).toBe(0);
    // When `deploy lock` and `deploy lock --json` run
    const shown = await p.run(['lock']);
    const json = await p.run(['lock', '--json']);
    // Then both name the holder
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`etcd lock ${key} is held by ${held.user}@${held.host} pid ${process.pid}`);
    expect(JSON.parse(json.stdout)).toEqual({ etcdKey: key, held: true, holder: held, stale: false });
    // When `deploy unlock` runs without --force
    const refused = await p.run(['unlock']);
    // Then it exits 3 and the key stays
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain('refusing to remove the etcd lock');
    expect(JSON.parse(await keyValue(key))).toEqual(held);
    // When forced
    const forced = await p.run(['unlock', '--force']);
    // Then the key is gone, and `deploy lock` says no one holds it
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await keyValue(key)).toBe('');
    expect((await p.run(['lock'])).stdout).toBe(`No deploy holds the etcd lock ${key}\n`);
  }, 60_000);

  it('a run that cannot reach etcd exits 3 with the reason and touches no host', async () => {
    // Given etcd down
    const { project: p } = await etcdProject(5);
    await etcd.down();
    try {
      // When a run starts
      const result = await p.run(['php-fpm-restart', 'no etcd']);
      // Then exit 3, naming the endpoint and why
      expect(result.exitCode, result.stderr).toBe(3);
      expect(result.stderr).toContain(`cannot reach etcd at ${etcd.endpoint} for the deploy lock`);
      expect(result.stderr).toMatch(/ECONNREFUSED|UNAVAILABLE/);
      // And `deploy lock` says the same
      const shown = await p.run(['lock']);
      expect(shown.exitCode).toBe(3);
      expect(shown.stderr).toContain('cannot reach etcd');
    } finally {
      await etcd.up();
    }
  }, 60_000);
});
