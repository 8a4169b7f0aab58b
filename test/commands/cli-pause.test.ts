import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, makeTempProject, type TempProject } from '../helpers/cli.js';

let project: TempProject | undefined;
let child: ResultPromise | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await child?.catch(() => undefined);
  child = undefined;
  await project?.cleanup();
  project = undefined;
});

const env = (dir: string) => ({ CI: '1', NO_COLOR: '1', XDG_STATE_HOME: join(dir, 'state') });

/** A project of three hosts (canary a) with a history file, the run started in the background: `deploy sync-file --pause-after canaries`. */
async function startPausedRun(config: Record<string, unknown> = {}, args: string[] = []): Promise<{ project: TempProject; run: ResultPromise }> {
  project = await makeTempProject({ config: { history_file: 'history.jsonl', ...config } });
  const run = execa(process.execPath, [BIN, 'sync-file', '--pause-after', 'canaries', ...args, project.stagedPath, 'paused deploy'], {
    cwd: project.dir,
    env: env(project.dir),
    reject: false,
    stdin: 'ignore',
  });
  child = run;
  return { project, run };
}

/** `deploy status --json` from another process until it shows the run paused. */
async function untilPaused(p: TempProject): Promise<Record<string, unknown>> {
  const until = Date.now() + 40_000;
  let last = '';
  while (Date.now() < until) {
    const status = await p.run(['status', '--json']);
    last = status.stdout;
    const view = JSON.parse(status.stdout || '{}') as Record<string, unknown>;
    if (view.paused !== undefined) return view;
    await sleep(100);
  }
  throw new Error(`never saw the run paused; last status: ${last}`);
}

const fleetFile = (p: TempProject, host: string) => join(p.fleetDir, host, p.deployDir, p.stagedPath);
const requestsLeft = (p: TempProject) => readdirSync(join(p.dir, 'deploy.lock.journal')).filter((name) => name.startsWith('pause-'));

describe('deploy sync-file --pause-after canaries, promote and abort (CLI, separate processes)', () => {
  it('pauses (status shows paused; a second deploy exits 3 naming the paused holder), then deploy promote lets it finish', async () => {
    // Given a run paused after the canaries
    const { project: p, run } = await startPausedRun();
    const view = await untilPaused(p);
    // Then status shows it paused, and the text says so, never running
    expect(view).toMatchObject({
      running: true,
      paused: {
        after: 'canaries',
        phase: 'check-canaries',
        left: [
          { phase: 'sync-hosts', hosts: 2 },
          { phase: 'restart-hosts', hosts: 2 },
        ],
      },
    });
    const text = (await p.run(['status'])).stdout;
    expect(text).toMatch(/\n {2}paused after canaries since \d\d:\d\d:\d\d \(for [\d.]+s\): deploy promote to go on, deploy abort to stop\n/);
    expect(text).not.toMatch(/running/);
    // And only the canary has the new file
    expect(existsSync(fleetFile(p, 'a'))).toBe(true);
    expect(existsSync(fleetFile(p, 'b'))).toBe(false);
    // And a second deploy exits 3, naming the paused holder
    const second = await p.run(['php-fpm-restart', 'second']);
    expect(second.exitCode).toBe(3);
    expect(second.stderr).toMatch(
      /^Error: another deploy holds the lock .+ pid \d+ running "deploy sync-file php\/index.php paused deploy" since .+; it is paused after canaries since .+ \(`deploy promote` lets it go on/,
    );
    // When deploy promote runs from another process
    const promoted = await p.run(['promote']);
    // Then it exits 0 once taken, and the run finishes, every host having the file
    expect(promoted.exitCode, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/^Promoted the deploy paused after canaries \(.+: sync-file php\/index.php\): it goes on\n$/);
    const result = await run;
    expect(result.exitCode, String(result.stdout)).toBe(0);
    expect(String(result.stdout)).toMatch(/Paused after canaries: deploy promote to go on, deploy abort to stop\n/);
    expect(String(result.stdout)).toMatch(/Promoted by .+ pid \d+ after [\d.]+s paused: going on\n/);
    for (const host of ['a', 'b', 'c']) expect(await readFile(fleetFile(p, host), 'utf8')).toBe(p.stagedContent);
    // And history says where it paused and who promoted it; --json has the pause
    const history = await p.run(['history']);
    expect(history.stdout).toMatch(/paused after canaries at \d\d:\d\d:\d\d for [\d.]+s: promoted by .+@.+ pid \d+\n$/);
    const entries = JSON.parse((await p.run(['history', '--json'])).stdout) as Array<{ pauses: unknown[] }>;
    expect(entries[0]?.pauses).toEqual([expect.objectContaining({ after: 'canaries', answer: 'promote', by: expect.stringMatching(/ pid \d+$/) })]);
    expect(requestsLeft(p)).toEqual([]);
    expect(existsSync(p.lockFile)).toBe(false);
  }, 120_000);

  it('deploy abort stops it there: aborted, exit 1, the other hosts not started', async () => {
    // Given a run paused after the canaries
    const { project: p, run } = await startPausedRun({}, ['--json']);
    await untilPaused(p);
    // When it is aborted
    const aborted = await p.run(['abort']);
    // Then abort exits 0, the run ends aborted with the other hosts not started
    expect(aborted.exitCode, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(/^Aborted the deploy paused after canaries \(.+\): it stops there \(aborted\)\n$/);
    const result = await run;
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(String(result.stdout)) as { status: string; hosts: Array<{ phase: string; outcome: string }>; pauses: Array<{ answer: string }> };
    expect(report.status).toBe('aborted');
    expect(report.hosts.filter((host) => host.phase.endsWith('-hosts')).every((host) => host.outcome === 'not-started')).toBe(true);
    expect(report.pauses[0]?.answer).toBe('abort');
    expect(existsSync(fleetFile(p, 'b'))).toBe(false);
  }, 120_000);

  it('deploy abort --rollback puts the canary back as it was before the run: rolled-back', async () => {
    // Given the canary with an older version of the file, and a new version deployed and paused
    const { project: p, run } = await startPausedRun({}, ['--json']);
    await untilPaused(p);
    expect((await p.run(['promote'])).exitCode).toBe(0);
    expect((await run).exitCode).toBe(0);
    await writeFile(p.stagedFile, '<?php echo "v2";\n');
    const again = execa(process.execPath, [BIN, 'sync-file', '--pause-after', 'canaries', '--json', p.stagedPath, 'again'], {
      cwd: p.dir,
      env: env(p.dir),
      reject: false,
      stdin: 'ignore',
    });
    child = again;
    await untilPaused(p);
    expect(await readFile(fleetFile(p, 'a'), 'utf8')).toBe('<?php echo "v2";\n');
    // When it is aborted with --rollback
    const rolled = await p.run(['abort', '--rollback']);
    // Then the run ends rolled-back and the canary has the version from before the run
    expect(rolled.exitCode, rolled.stderr).toBe(0);
    const second = await again;
    expect(second.exitCode).toBe(1);
    expect(JSON.parse(String(second.stdout)).status).toBe('rolled-back');
    expect(String(second.stderr)).toMatch(/Rolled back php\/index.php on 1 host: deploy abort --rollback by .+ while paused after canaries \(duration: /);
    expect(await readFile(fleetFile(p, 'a'), 'utf8')).toBe(p.stagedContent);
    expect(await readFile(fleetFile(p, 'b'), 'utf8')).toBe(p.stagedContent);
  }, 120_000);

  it('aborts at pause_timeout with a line saying so', async () => {
    const { project: p, run } = await startPausedRun({ pause_timeout: 1 });
    const result = await run;
    expect(result.exitCode).toBe(1);
    expect(String(result.stdout)).toMatch(/pause_timeout passed: nobody promoted the run within [\d.]+s; aborting\n/);
    expect(String(result.stdout)).toMatch(
      /Aborted sync-file php\/index.php: pause_timeout \([\d.]+s\) passed while paused after canaries, with no deploy promote/,
    );
    expect(existsSync(p.lockFile)).toBe(false);
  }, 120_000);

  it('Ctrl-C while paused interrupts as always: exit 130, lock released, and promote then finds no paused deploy', async () => {
    const { project: p, run } = await startPausedRun();
    await untilPaused(p);
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode).toBe(130);
    expect(String(result.stdout)).toMatch(/Interrupted sync-file php\/index.php/);
    expect(existsSync(p.lockFile)).toBe(false);
    const promoted = await p.run(['promote']);
    expect(promoted).toMatchObject({ exitCode: 1, stdout: 'no paused deploy\n' });
    expect(requestsLeft(p)).toEqual([]);
  }, 120_000);

  it('promote and abort with nothing paused: no paused deploy, exit 1, no file left; --pause-after naming no stage: exit 2', async () => {
    project = await makeTempProject();
    const p = project;
    for (const args of [['promote'], ['abort'], ['abort', '--rollback']]) {
      const result = await p.run(args);
      expect(result, args.join(' ')).toMatchObject({ exitCode: 1, stdout: 'no paused deploy\n', stderr: '' });
    }
    expect(existsSync(join(p.dir, 'deploy.lock.journal'))).toBe(false);
    const bad = await p.run(['sync-file', '--pause-after', 'group9', p.stagedPath]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe(
      'Error: --pause-after group9: no stage is named "group9" (known: canaries) (name canaries (needs canaries) or a stage of `stages`)\n',
    );
    expect(existsSync(p.fleetDir)).toBe(false);
  }, 120_000);
});
