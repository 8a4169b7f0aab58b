import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempProject, type CliResult, type TempProject } from '../helpers/cli.js';

let project: TempProject | undefined;
afterEach(async () => project?.cleanup());

describe('deploy status (CLI, local transport)', () => {
  it('shows a running deploy from a second process, then the finished run', async () => {
    // Given a project whose restart script takes 3 s per host, one host at a time
    project = await makeTempProject({ config: { restart_concurrency: 1, history_file: 'history.jsonl' } });
    const script = join(project.dir, 'slow-restart');
    await writeFile(project.configPath, JSON.stringify({ ...project.config, php_fpm_restart_script: script }));
    await writeFile(script, '#!/bin/sh\necho "restarting $DEPLOY_HOST"\nsleep 3\n');
    await chmod(script, 0o755);
    // When a restart runs, and `deploy status` is run from another process meanwhile
    const run = project.run(['php-fpm-restart', 'slow one']);
    let seen: CliResult | undefined;
    let last: CliResult | undefined;
    const until = Date.now() + 40_000;
    while (Date.now() < until) {
      const status = await project.run(['status']);
      last = status;
      if (/running {3}for/.test(status.stdout)) {
        seen = status;
        break;
      }
      await sleep(100);
    }
    const finished = await run;
    // Then it showed the run, its phase and a running host
    expect(finished.exitCode).toBe(0);
    expect(seen, `never saw a running host; last status: ${JSON.stringify(last)}; the run: ${finished.stdout}`).toBeDefined();
    expect(seen?.exitCode).toBe(0);
    expect(seen?.stdout).toMatch(/^deploy php-fpm-restart: slow one\n {2}by .+ pid \d+, started \d\d:\d\d:\d\d\n/);
    expect(seen?.stdout).toMatch(/phase restart-(canaries|hosts) \(\d hosts?, [\d.]+s\): queued \d, running 1/);
    expect(seen?.stdout).toMatch(/\n {2}[abc] {2}running {3}for [\d.]+s\n/);
    // And afterwards it says no deploy runs, with the run's last line
    const after = await project.run(['status']);
    expect(after.stdout).toMatch(/^no deploy running\nlast run: Finished php-fpm-restart: slow one \(duration: 00m \d\ds\)\n$/);
    const json = JSON.parse((await project.run(['status', '--json'])).stdout);
    expect(json).toMatchObject({ running: false, cutOff: false, lastRun: { status: 'success' } });
  });
});
