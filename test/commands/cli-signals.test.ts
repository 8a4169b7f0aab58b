import { existsSync } from 'node:fs';
import { writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, makeTempProject, type TempProject } from '../helpers/cli.js';

let project: TempProject;

beforeEach(async () => {
  project = await makeTempProject({ config: { targets: ['a', 'b', 'c', 'd', 'e', 'f'], canaries: [], restart_concurrency: 2 } });
  // A restart that takes a second, so hosts are in flight when the signal comes.
  const script = join(project.dir, 'slow-restart');
  await writeFile(script, '#!/bin/sh\nsleep 1\necho "done $DEPLOY_HOST"\n');
  await chmod(script, 0o755);
  await writeFile(project.configPath, JSON.stringify({ ...project.config, php_fpm_restart_script: script }));
});

afterEach(async () => {
  await project.cleanup();
});

describe('deploy: the terminal closing (SIGHUP)', () => {
  it('is an interrupt: hosts in flight finish, no new host starts, the report is printed, exit 130, lock released', async () => {
    // Given a php-fpm-restart of 6 slow hosts through a window of 2, run as a child process
    const child = execa(process.execPath, [BIN, 'php-fpm-restart', '--json', 'hangup test'], {
      cwd: project.dir,
      env: { CI: '1', NO_COLOR: '1', XDG_STATE_HOME: join(project.dir, 'state') },
      reject: false,
      stdin: 'ignore',
    });
    // When SIGHUP arrives once the restart script runs on the first hosts (the script itself sits
    // in its own process group, so only deploy gets the signal, as from a closed terminal)
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Started restart-hosts')) setTimeout(resolve, 300);
      });
    });
    child.kill('SIGHUP');
    const result = await child;
    // Then the run ended as an interrupt with its report, and the lock is gone
    expect(result.exitCode, String(result.stderr)).toBe(130);
    const report = JSON.parse(String(result.stdout)) as { status: string; hosts: Array<{ host: string; outcome: string }> };
    expect(report.status).toBe('interrupted');
    const outcomes = report.hosts.map((host) => host.outcome);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'not-started')).toHaveLength(4);
    expect(String(result.stderr)).toContain('SIGHUP received: no new host will start');
    expect(String(result.stderr)).toMatch(/Interrupted php-fpm-restart/);
    expect(existsSync(project.lockFile)).toBe(false);
  });
});
