import { existsSync, statSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

/**
 * SPEC "What a run never does": a local write that fails mid-run is a warning, and the run
 * finishes with its report; files kept on this machine are owner-only. With the built CLI on
 * the local transport; /dev/full stands in for a full disk (every write gives ENOSPC).
 */
let project: TempProject | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** A project whose restart script runs `body` (sh) on each host, with $DEPLOY_HOST set. */
async function projectWithRestart(body: string, config: Record<string, unknown> = {}): Promise<TempProject> {
  project = await makeTempProject({ config: { targets: ['a', 'b', 'c', 'd'], canaries: ['a'], history_file: 'state/history.jsonl', ...config } });
  const script = join(project.dir, 'restart.sh');
  await writeFile(script, `#!/bin/sh\n${body}\n`);
  await chmod(script, 0o755);
  await writeFile(project.configPath, JSON.stringify({ ...project.config, php_fpm_restart_script: script }));
  return project;
}

function warnings(text: string): string[] {
  return text.split('\n').filter((line) => line.includes('Warning:'));
}

describe('a local write that fails mid-run', () => {
  it('is one warning for a journal that fills the disk mid-run; the run finishes with its summary and JSON report, lock released', async () => {
    // Given host b's restart replacing the run's journal by a full disk (a symlink to /dev/full)
    const { dir, lockFile, run } = await projectWithRestart(
      `if [ "$DEPLOY_HOST" = b ]; then for f in "${'$'}{JOURNALS}"/*.jsonl; do rm -f "$f"; ln -s /dev/full "$f"; done; fi`,
    );
    const journals = `${lockFile}.journal`;
    // When php-fpm-restart --json runs over 4 hosts
    const result = await run(['php-fpm-restart', '--json', 'disk fills up'], { JOURNALS: journals });
    // Then it ends as without the fault: exit 0, the JSON report on stdout, summary and last line
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { status: string; hosts: Array<{ host: string; outcome: string }> };
    expect(report.status).toBe('success');
    expect(report.hosts.map((host) => `${host.host} ${host.outcome}`)).toEqual(['a ok', 'b ok', 'c ok', 'd ok']);
    expect(result.stderr).toContain('Finished php-fpm-restart: disk fills up (duration: 00m ');
    // And one warning, naming the journal and why, for the 3 lines that could not be written
    const lines = warnings(result.stderr);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(join(journals, 'php-fpm-restart.jsonl'));
    expect(lines[0]).toContain('ENOSPC');
    // And the lock is released, and the history has the run
    expect(existsSync(lockFile)).toBe(false);
    expect((await readFile(join(dir, 'state', 'history.jsonl'), 'utf8')).split('\n')).toHaveLength(2);
  });

  it('is one warning each for a history, durations and metrics file that cannot be written; the outcome does not change', async () => {
    // Given a history file on a full disk, a folder where the durations file goes, a metrics file under a plain file
    const { dir, lockFile, run } = await projectWithRestart('exit 0', { metrics_file: 'blocked/deploy.prom' });
    await mkdir(join(dir, 'state', 'restart-durations.json'), { recursive: true });
    await symlink('/dev/full', join(dir, 'state', 'history.jsonl'));
    await writeFile(join(dir, 'blocked'), 'a file, not a folder\n');
    // When php-fpm-restart runs
    const result = await run(['php-fpm-restart', 'nowhere to write']);
    // Then exit 0 with the summary and last line
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('Finished php-fpm-restart: nowhere to write (duration: 00m ');
    // And one warning per file, each naming it
    const lines = warnings(result.stdout + result.stderr);
    expect(lines, result.stdout).toHaveLength(3);
    expect(lines.filter((line) => line.includes(join(dir, 'state', 'history.jsonl')) && line.includes('ENOSPC'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes(join(dir, 'state', 'restart-durations.json')))).toHaveLength(1);
    expect(lines.filter((line) => line.includes(join(dir, 'blocked', 'deploy.prom')))).toHaveLength(1);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('is a usage error (exit 2, one line naming the folder) when the journal folder is unusable at the start, touching no host', async () => {
    // Given <lock_file>.journal taken by a plain file
    const { lockFile, fleetDir, run } = await projectWithRestart('exit 0');
    await writeFile(`${lockFile}.journal`, 'not a folder\n');
    // When php-fpm-restart runs
    const result = await run(['php-fpm-restart', 'no journal']);
    // Then exit 2, one line naming the folder and why, no host touched, the lock released
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${lockFile}.journal`);
    expect(lines[0]).toMatch(/EEXIST|ENOTDIR/);
    expect(existsSync(fleetDir)).toBe(false);
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('the history after a write cut short', () => {
  it('keeps the next run on its own line, and deploy history says it skipped the damaged line', async () => {
    // Given one recorded run, then a line cut short by a full disk (no newline at the end)
    const { dir, run } = await projectWithRestart('exit 0');
    expect((await run(['php-fpm-restart', 'first'])).exitCode).toBe(0);
    const historyFile = join(dir, 'state', 'history.jsonl');
    await appendFile(historyFile, '{"id":"20260101-000000-dead","command":"php-fpm-res');
    // When another run is recorded
    expect((await run(['php-fpm-restart', 'second'])).exitCode).toBe(0);
    // Then deploy history lists both runs, and warns about the damaged line 2 on stderr
    const listed = await run(['history', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ message: string }>).map((entry) => entry.message)).toEqual(['second', 'first']);
    expect(listed.stderr.trim()).toBe(`Warning: skipped a damaged line 2 of ${historyFile}`);
  });
});

describe('files kept on this machine', () => {
  it('are owner-only after a real run: lock, journal and its folder, history and its folder, durations; the metrics file stays world-readable', async () => {
    // Given a restart script that records the lock's mode while the run holds it
    const { dir, lockFile, run } = await projectWithRestart(`stat -c %a "${'$'}{LOCK}" > lock-mode`, {
      history_file: 'state/deep/history.jsonl',
      metrics_file: 'metrics/deploy.prom',
    });
    // When php-fpm-restart runs
    const result = await run(['php-fpm-restart', 'modes'], { LOCK: lockFile });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
    // Then the lock was 0600 while held
    expect((await readFile(join(dir, 'fleet', 'a', 'lock-mode'), 'utf8')).trim()).toBe('600');
    // And the journal, the live state, the history and the durations are owner-only, with the folders we created
    const journals = `${lockFile}.journal`;
    expect(mode(journals)).toBe('700');
    expect((await readdir(journals)).sort()).toEqual(['live.json', 'php-fpm-restart.jsonl']);
    expect(mode(join(journals, 'php-fpm-restart.jsonl'))).toBe('600');
    expect(mode(join(journals, 'live.json'))).toBe('600');
    expect(mode(join(dir, 'state'))).toBe('700');
    expect(mode(join(dir, 'state', 'deep'))).toBe('700');
    expect(mode(join(dir, 'state', 'deep', 'history.jsonl'))).toBe('600');
    expect(mode(join(dir, 'state', 'deep', 'restart-durations.json'))).toBe('600');
    // And node_exporter can still read the metrics file
    expect(mode(join(dir, 'metrics', 'deploy.prom'))).toBe('644');
  });
});

describe('lock_file', () => {
  it('is a usage error (exit 2) naming lock_file and the folder when its folder does not exist, creating nothing', async () => {
    // Given a lock_file in a folder that is not there (a typo)
    const { dir, fleetDir, run } = await projectWithRestart('exit 0', { lock_file: 'lcok/deploy.lock' });
    // When php-fpm-restart runs
    const result = await run(['php-fpm-restart', 'typo']);
    // Then exit 2, one line naming the key and the folder, and no folder created, no host touched
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('lock_file');
    expect(lines[0]).toContain(join(dir, 'lcok'));
    expect(existsSync(join(dir, 'lcok'))).toBe(false);
    expect(existsSync(fleetDir)).toBe(false);
  });
});
