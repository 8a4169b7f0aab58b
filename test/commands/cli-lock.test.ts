import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

/**
 * The lock, dry runs and a whole successful run of the built CLI on the local transport.
 * The CLI must be built first (`npm test` does it).
 */
let project: TempProject | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

async function newProject(config: Record<string, unknown> = {}): Promise<TempProject> {
  project = await makeTempProject({ config });
  return project;
}

/** The JSON acquireLock writes (src/state/lock-file.ts). */
interface LockHolder {
  user: string;
  host: string;
  pid: number;
  command: string;
  startedAt: string;
}

async function holdLock(path: string, holder: Partial<LockHolder> = {}): Promise<LockHolder> {
  const full: LockHolder = {
    user: userInfo().username,
    host: hostname(),
    pid: process.pid,
    command: 'deploy sync-file php/other.php train 42',
    startedAt: '2026-01-02T03:04:05.678Z',
    ...holder,
  };
  await writeFile(path, `${JSON.stringify(full)}\n`);
  return full;
}

/** The pid of a process that has exited (its holder is gone on this host). */
async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn true');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => resolve());
    child.once('error', reject);
  });
  return pid;
}

describe('deploy: the lock', () => {
  it('exits 3 when a live process holds the lock, naming its pid, command and start time, and touches nothing', async () => {
    // Given the lock held by this (live) test process
    const { lockFile, fleetDir, stagedPath, run } = await newProject();
    const holder = await holdLock(lockFile);
    const before = await readFile(lockFile, 'utf8');
    // When sync-file runs
    const result = await run(['sync-file', stagedPath, 'my deploy']);
    // Then exit 3 with one line naming the holder
    expect(result.exitCode, result.stderr).toBe(3);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`pid ${holder.pid}`);
    expect(lines[0]).toContain(holder.command);
    expect(lines[0]).toContain(holder.startedAt);
    expect(lines[0]).toContain(`${holder.user}@${holder.host}`);
    expect(result.stderr).not.toContain('    at ');
    expect(result.stdout).toBe('');
    // And nothing was touched: no host folder, the other deploy's lock intact
    expect(existsSync(fleetDir)).toBe(false);
    expect(await readFile(lockFile, 'utf8')).toBe(before);
  });

  it('exits 3 for a lock held from another host, whose process it cannot check', async () => {
    // Given a lock from another machine, with a pid that is not running here
    const { lockFile, fleetDir, run } = await newProject();
    const holder = await holdLock(lockFile, { host: 'deploy-other.example.org', pid: await deadPid() });
    // When php-fpm-restart runs
    const result = await run(['php-fpm-restart', 'clear opcache']);
    // Then the lock is respected
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toContain('deploy-other.example.org');
    expect(result.stderr).toContain(`pid ${holder.pid}`);
    expect(existsSync(fleetDir)).toBe(false);
    expect(existsSync(lockFile)).toBe(true);
  });

  it('exits 3 for a lock file that does not say who holds it, and leaves it alone', async () => {
    // Given a lock file with garbage in it
    const { lockFile, fleetDir, stagedPath, run } = await newProject();
    await writeFile(lockFile, 'not json\n');
    // When sync-file runs
    const result = await run(['sync-file', stagedPath]);
    // Then exit 3 naming the lock file, nothing touched
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toContain(lockFile);
    expect(existsSync(fleetDir)).toBe(false);
    expect(await readFile(lockFile, 'utf8')).toBe('not json\n');
  });

  it('takes over a lock whose holder is dead on this host, says so, and releases it at the end', async () => {
    // Given a lock held by a process of this host that has exited
    const { lockFile, fleetDir, deployDir, stagedPath, stagedContent, run } = await newProject();
    const holder = await holdLock(lockFile, { pid: await deadPid() });
    // When sync-file runs
    const result = await run(['sync-file', stagedPath, 'after a crash']);
    // Then it succeeds, saying it took over the stale lock (naming the old holder)
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const takeover = `${result.stdout}${result.stderr}`.split('\n').filter((line) => /took over|taking over/i.test(line) && /stale lock/i.test(line));
    expect(takeover).toHaveLength(1);
    expect(takeover[0]).toContain(`pid ${holder.pid}`);
    // And the deploy happened, and the lock is released
    expect(await readFile(join(fleetDir, 'b', deployDir, stagedPath), 'utf8')).toBe(stagedContent);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('releases the lock after a normal run', async () => {
    // Given no lock / When php-fpm-restart runs to success
    const { lockFile, fleetDir, run } = await newProject();
    const result = await run(['php-fpm-restart', 'routine']);
    // Then the run went through the fleet and the lock is gone
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('Finished php-fpm-restart: routine (duration: 00m ');
    expect(existsSync(join(fleetDir, 'c'))).toBe(true);
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('deploy --dry-run', () => {
  it('prints the plan with the exact restart command, and creates neither the lock nor the fleet', async () => {
    // Given a sudo user, a service and always_restart
    const { lockFile, fleetDir, stagedPath, run } = await newProject({ restart_sudo_user: 'www-data', php_fpm: 'php8.1-fpm', always_restart: true });
    // When sync-file --dry-run runs
    const result = await run(['sync-file', '--dry-run', stagedPath, 'just looking']);
    // Then the plan lists every phase, its hosts and the exact command
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    const restartLines = lines.filter((line) => /restart-(canaries|hosts) \(/.test(line));
    expect(restartLines).toHaveLength(2);
    for (const line of restartLines) expect(line.endsWith(': sudo -u www-data -- /bin/true php8.1-fpm 9223372036854775807')).toBe(true);
    for (const phase of ['sync-canaries', 'restart-canaries', 'check-canaries', 'sync-hosts', 'restart-hosts']) {
      expect(
        lines.some((line) => line.includes(phase)),
        phase,
      ).toBe(true);
    }
    expect(result.stdout).toContain(`/srv/app/${stagedPath}`);
    expect(result.stdout).toContain('hosts: b, c');
    // And nothing was touched
    expect(existsSync(lockFile)).toBe(false);
    expect(existsSync(fleetDir)).toBe(false);
  });

  it('appends --force to the command with --force, and ignores a held lock', async () => {
    // Given a live deploy holding the lock
    const { lockFile, fleetDir, run } = await newProject({ php_fpm: 'php8.1-fpm' });
    await holdLock(lockFile);
    // When php-fpm-restart --dry-run --force runs
    const result = await run(['php-fpm-restart', '--dry-run', '--force']);
    // Then the plan shows the unsafe restart and the skipped checks, and the lock is not looked at
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/restart-hosts \(.*\): \/bin\/true php8\.1-fpm 100 --force$/m);
    expect(result.stdout).toMatch(/check-canaries: skipped/);
    expect(existsSync(fleetDir)).toBe(false);
    expect(existsSync(lockFile)).toBe(true);
  });
});

describe('deploy sync-file --json on a 3-host local fleet', () => {
  const PHASES = ['sync-canaries', 'restart-canaries', 'check-canaries', 'sync-hosts', 'restart-hosts'];

  it('deploys the file everywhere, restarts with the exact arguments, and reports it as JSON', async () => {
    // Given hosts a, b, c with canary a, and a restart script that records its arguments
    project = await makeTempProject({ config: { targets: ['a', 'b', 'c'], canaries: ['a'], php_fpm: 'php8.1-fpm', canary_wait_time: 0 } });
    const { dir, configPath, config, fleetDir, deployDir, stagedPath, stagedContent, lockFile, run } = project;
    const restartScript = join(dir, 'restart.sh');
    await writeFile(restartScript, '#!/bin/sh\necho "restarting $DEPLOY_HOST: $*"\necho "$*" > restarted.txt\n');
    await chmod(restartScript, 0o755);
    await writeFile(configPath, JSON.stringify({ ...config, php_fpm_restart_script: restartScript }));

    // When sync-file --json runs
    const result = await run(['sync-file', '--json', stagedPath, 'smoke', 'test']);

    // Then it exits 0 and stdout is exactly one JSON report
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ command: 'sync-file', path: stagedPath, message: 'smoke test', status: 'success', exitCode: 0 });
    expect(typeof report.startedAt).toBe('string');
    expect(new Date(report.startedAt as string).toISOString()).toBe(report.startedAt);
    expect(typeof report.durationMs).toBe('number');
    expect(report.durationMs as number).toBeGreaterThanOrEqual(0);

    // And the phases, in order, each with its counts
    const phases = report.phases as Array<Record<string, unknown>>;
    expect(phases.map((phase) => phase.name)).toEqual(PHASES);
    for (const phase of phases) {
      expect(Object.keys(phase).sort()).toEqual(['durationMs', 'failed', 'name', 'notStarted', 'ok', 'skipped', 'warning']);
      expect(typeof phase.durationMs).toBe('number');
      expect(phase).toMatchObject({ warning: 0, failed: 0, skipped: 0, notStarted: 0 });
    }
    expect(phases.map((phase) => phase.ok)).toEqual([1, 1, 0, 2, 2]);

    // And one host entry per host and host phase, all ok
    const hosts = report.hosts as Array<{ host: string; phase: string; outcome: string; stdout?: string }>;
    const seen = hosts.map(({ host, phase, outcome }) => `${phase} ${host} ${outcome}`).sort();
    expect(seen).toEqual(['restart-canaries a ok', 'restart-hosts b ok', 'restart-hosts c ok', 'sync-canaries a ok', 'sync-hosts b ok', 'sync-hosts c ok']);
    expect(hosts.find((entry) => entry.phase === 'restart-hosts' && entry.host === 'c')?.stdout).toBe('restarting c: php8.1-fpm 100\n');

    // And every host folder has the staged file and was restarted with exactly <php_fpm> <threshold>
    for (const host of ['a', 'b', 'c']) {
      expect(await readFile(join(fleetDir, host, deployDir, stagedPath), 'utf8')).toBe(stagedContent);
      expect(await readFile(join(fleetDir, host, 'restarted.txt'), 'utf8')).toBe('php8.1-fpm 100\n');
    }

    // And the human lines went to stderr, and the lock was released
    expect(result.stderr).toContain('Started sync-canaries');
    expect(result.stderr).toContain('Finished restart-hosts (duration: 00m ');
    expect(result.stderr).toContain(`Synchronized ${stagedPath}: smoke test (duration: 00m `);
    expect(result.stderr).toMatch(/^\d\d:\d\d:\d\d /m);
    expect(existsSync(lockFile)).toBe(false);
  });
});
