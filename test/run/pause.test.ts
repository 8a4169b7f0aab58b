import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { answerPause } from '../../src/services/pause-answer.js';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { readStatus } from '../../src/services/status.js';
import { syncFile } from '../../src/services/sync-file.js';
import { statusLines } from '../../src/report/status-lines.js';
import { pauseRequestPath, writePauseRequest } from '../../src/state/pause-request.js';
import { readStatusFile, statusFilePath, type LiveState } from '../../src/state/status-file.js';
import type { PauseAction } from '../../src/state/pause-request.js';
import { Capture, stepFixture, type StepFixture } from './fixture.js';

const TARGETS = ['mw01', 'mw02', 'mw03', 'mw04'];
const DEST = '/srv/mediawiki/php/index.php';
/** Every byte value, so a rollback that is not byte-exact shows. */
const OLD = Buffer.from(Array.from({ length: 512 }, (_, index) => index % 256));

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const lockFile = () => join(fixture.dir, 'deploy.lock');
const live = (): LiveState | undefined => readStatusFile(statusFilePath(lockFile()), () => undefined);
const fileOn = (host: string) => fixture.fleet.files.get(host)?.get(DEST);
/** Requests left in the state folder beside the lock. */
const requestsLeft = () => readdirSync(join(fixture.dir, 'deploy.lock.journal')).filter((name) => name.startsWith('pause-'));

/** Given: two canaries, four targets, each with the old file; a run of sync-file --pause-after canaries. */
async function pausedFleet(config: Record<string, unknown> = {}): Promise<void> {
  fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01', 'mw02'], ...config });
  for (const host of TARGETS) fixture.fleet.files.set(host, new Map([[DEST, { content: OLD, mode: 0o100640 }]]));
}

async function untilPaused(timeoutMs = 10_000): Promise<LiveState & { paused: NonNullable<LiveState['paused']> }> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const state = live();
    if (state?.paused) return state as LiveState & { paused: NonNullable<LiveState['paused']> };
    await sleep(20);
  }
  throw new Error(`the run never paused; its output: ${fixture.stdout.text}${fixture.stderr.text}`);
}

/** `deploy promote` / `deploy abort [--rollback]` in this process, through the same config. */
async function answer(action: PauseAction): Promise<{ code: number; out: string }> {
  const out = new Capture();
  const code = await answerPause({
    configPath: fixture.configPath,
    defines: [],
    cwd: fixture.dir,
    systemConfigPath: join(fixture.dir, 'none.json'),
    stdout: out,
    stderr: out,
    action,
  });
  return { code, out: out.text };
}

describe('sync-file --pause-after canaries (synthetic fleet)', () => {
  it('pauses after the canary checks keeping the lock, shows paused in status, and goes on when promoted', async () => {
    // Given a run paused after the canaries
    await pausedFleet();
    const run = syncFile({ ...fixture.options({ json: true, pauseAfter: 'canaries' }), path: 'php/index.php' });
    const paused = await untilPaused();
    // Then it holds the lock, only the canaries have the new file, and it says how to go on
    expect(existsSync(lockFile())).toBe(true);
    expect(fixture.stderr.text).toContain('Paused after canaries: deploy promote to go on, deploy abort to stop\n');
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
    expect(paused.paused).toMatchObject({
      after: 'canaries',
      phase: 'check-canaries',
      left: [
        { phase: 'sync-hosts', hosts: 2 },
        { phase: 'restart-hosts', hosts: 2 },
      ],
    });
    // And deploy status shows it paused (since when, what is left), never running or failed
    const view = readStatus(
      { configPath: fixture.configPath, defines: [], cwd: fixture.dir, systemConfigPath: join(fixture.dir, 'none.json') },
      () => undefined,
    );
    expect(view.paused).toMatchObject({
      after: 'canaries',
      left: [
        { phase: 'sync-hosts', hosts: 2 },
        { phase: 'restart-hosts', hosts: 2 },
      ],
    });
    const text = statusLines(view).join('\n');
    expect(text).toMatch(/ {2}paused after canaries since \d\d:\d\d:\d\d \(for [\d.]+s\): deploy promote to go on, deploy abort to stop\n/);
    expect(text).toContain('  left: sync-hosts (2 hosts), restart-hosts (2 hosts); aborts in ');
    expect(text).not.toMatch(/running|failed in|between phases/);
    // When it is promoted
    const promoted = await answer('promote');
    // Then the promote exits 0 once the run took it, and the run finishes on every host
    expect(promoted).toMatchObject({ code: 0 });
    expect(promoted.out).toMatch(/^Promoted the deploy paused after canaries \(.+ pid \d+: sync-file php\/index.php\): it goes on\n$/);
    expect(await run).toBe(0);
    for (const host of TARGETS) expect(fileOn(host)?.content.toString()).toBe('<?php echo 1;\n');
    // And the report records the pause, who promoted it, and no request is left
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('success');
    expect(report.pauses).toEqual([
      {
        after: 'canaries',
        phase: 'check-canaries',
        startedAt: expect.any(String),
        durationMs: expect.any(Number),
        answer: 'promote',
        by: expect.stringMatching(/^.+@.+ pid \d+$/),
      },
    ]);
    expect(requestsLeft()).toEqual([]);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('deploy abort stops it there: aborted, later phases not started, the canaries keep the new file', async () => {
    await pausedFleet();
    const run = syncFile({ ...fixture.options({ json: true, pauseAfter: 'canaries' }), path: 'php/index.php' });
    await untilPaused();
    // When the deployer aborts it
    expect((await answer('abort')).code).toBe(0);
    // Then the run ends aborted, exit 1, nothing after the canaries was touched
    expect(await run).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('aborted');
    expect(report.hosts.filter((host: { phase: string }) => host.phase.endsWith('-hosts')).map((host: { outcome: string }) => host.outcome)).toEqual([
      'not-started',
      'not-started',
      'not-started',
      'not-started',
    ]);
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
    expect(fileOn('mw03')?.content.equals(OLD)).toBe(true);
    expect(report.pauses[0]).toMatchObject({ answer: 'abort' });
    expect(fixture.stderr.text).toMatch(
      /Aborted sync-file php\/index.php: deploy abort by .+ pid \d+ while paused after canaries; mw01, mw02 keep the new php\/index.php \(not rolled back\) \(duration: /,
    );
  });

  it('deploy abort --rollback puts the canaries back byte-exact, as failed canary checks with the action rollback do', async () => {
    await pausedFleet();
    const run = syncFile({ ...fixture.options({ json: true, pauseAfter: 'canaries' }), path: 'php/index.php' });
    await untilPaused();
    // When the deployer aborts with rollback
    expect((await answer('rollback')).code).toBe(0);
    // Then the canaries have their old file back with its mode, the rest was never touched
    expect(await run).toBe(1);
    for (const host of TARGETS) {
      expect(fileOn(host)?.content.equals(OLD), host).toBe(true);
      expect((fileOn(host)?.mode ?? 0) & 0o7777).toBe(0o640);
    }
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('rolled-back');
    expect(report.phases.map((phase: { name: string }) => phase.name)).toEqual([
      'sync-canaries',
      'restart-canaries',
      'check-canaries',
      'rollback-sync',
      'rollback-restart',
      'sync-hosts',
      'restart-hosts',
    ]);
    expect(fixture.stderr.text).toMatch(/Rolled back php\/index.php on 2 hosts: deploy abort --rollback by .+ while paused after canaries \(duration: /);
  });

  it('aborts after pause_timeout with no answer, with a line saying so', async () => {
    // Given a pause_timeout of half a second
    await pausedFleet({ pause_timeout: 0.5 });
    // When nobody answers
    const code = await syncFile({ ...fixture.options({ pauseAfter: 'canaries' }), path: 'php/index.php' });
    // Then the run is aborted, saying why, and the other hosts were never touched
    expect(code).toBe(1);
    expect(fixture.stdout.text).toMatch(/pause_timeout passed: nobody promoted the run within 0\.\d+s; aborting\n/);
    expect(fixture.stdout.text).toMatch(
      /Aborted sync-file php\/index.php: pause_timeout \(0\.\d+s\) passed while paused after canaries, with no deploy promote/,
    );
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('is interrupted by a signal while paused, as always: exit 130, lock released', async () => {
    await pausedFleet();
    const run = syncFile({ ...fixture.options({ json: true, pauseAfter: 'canaries' }), path: 'php/index.php' });
    await untilPaused();
    // When Ctrl-C comes while paused
    fixture.signals.emit('SIGINT', 'SIGINT');
    // Then it ends interrupted within a moment, the lock released, the later hosts not started
    expect(await run).toBe(130);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('interrupted');
    expect(report.pauses[0]).toMatchObject({ answer: 'interrupt' });
    expect(existsSync(lockFile())).toBe(false);
    expect(requestsLeft()).toEqual([]);
  });

  it('never takes a request left for another pause (a stale one from an earlier run)', async () => {
    // Given a request left behind for another pause's token, and a short pause_timeout
    await pausedFleet({ pause_timeout: 0.6 });
    const stale = pauseRequestPath(lockFile(), '0123456789abcdef');
    writePauseRequest(stale, { token: '0123456789abcdef', id: 'fedcba9876543210', action: 'promote', by: 'someone@else pid 1', at: new Date().toISOString() });
    // When a run pauses
    const code = await syncFile({ ...fixture.options({ json: true, pauseAfter: 'canaries' }), path: 'php/index.php' });
    // Then it was not promoted by that request: it waited and aborted at pause_timeout
    expect(code).toBe(1);
    expect(JSON.parse(fixture.stdout.text).pauses[0]).toMatchObject({ answer: 'timeout' });
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
  });

  it('promote and abort with no run paused now (none, or one still running) say no paused deploy, exit 1, and leave no request', async () => {
    // Given no run at all
    await pausedFleet();
    expect(await answer('promote')).toEqual({ code: 1, out: 'no paused deploy\n' });
    // And a run that is running, not paused (its restarts take a while)
    fixture.fleet.setBehaviour('mw01', { execMs: 1500 });
    const run = phpFpmRestart(fixture.options({ pauseAfter: 'canaries' }));
    const until = Date.now() + 5000;
    while (live()?.phase?.name !== 'restart-canaries' && Date.now() < until) await sleep(10);
    // When promote and abort are asked
    // Then each says no paused deploy and leaves nothing a later pause could take
    expect(await answer('promote')).toEqual({ code: 1, out: 'no paused deploy\n' });
    expect(await answer('rollback')).toEqual({ code: 1, out: 'no paused deploy\n' });
    expect(requestsLeft()).toEqual([]);
    // And the run then pauses and is promoted normally
    await untilPaused();
    expect((await answer('promote')).code).toBe(0);
    expect(await run).toBe(0);
  });

  it('php-fpm-restart: abort --rollback has nothing to put back and stops aborted', async () => {
    await pausedFleet();
    const run = phpFpmRestart(fixture.options({ json: true, pauseAfter: 'canaries' }));
    await untilPaused();
    expect((await answer('rollback')).code).toBe(0);
    expect(await run).toBe(1);
    expect(JSON.parse(fixture.stdout.text).status).toBe('aborted');
    expect(fixture.stderr.text).toContain('deploy abort --rollback: this php-fpm-restart run has nothing to put back; it stops here');
  });
});

describe('--pause-after: usage errors touch nothing', () => {
  it('refuses a name that names no stage, and canaries without canaries', async () => {
    await pausedFleet();
    await expect(syncFile({ ...fixture.options({ pauseAfter: 'group9' }), path: 'php/index.php' })).rejects.toThrow(
      /^--pause-after group9: no stage is named "group9" \(known: canaries\)$/,
    );
    await expect(syncFile({ ...fixture.options({ pauseAfter: 'canaries', defines: ['canaries:'] }), path: 'php/index.php' })).rejects.toThrow(
      /^--pause-after canaries: this run has no canaries$/,
    );
    expect(fixture.fleet.touched()).toEqual([]);
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe('pausing after a stage of `stages`', () => {
  const STAGED = ['mw01', 'mw02', 'mw03', 'mw04', 'mw05', 'mw06'];
  /** Canary mw01; stage one: mw02, mw03 (with a check); stage half: mw04 (no check, "pause": true); the rest mw05, mw06. */
  async function stagedFleet(): Promise<void> {
    fixture = await stepFixture({
      targets: STAGED,
      canaries: ['mw01'],
      stages: [
        { name: 'one', hosts: ['mw02', 'mw03'], checks: ['true'] },
        { name: 'half', share: 1, pause: true },
      ],
    });
    for (const host of STAGED) fixture.fleet.files.set(host, new Map([[DEST, { content: OLD, mode: 0o100640 }]]));
  }

  it('pauses after a stage marked pause (its last phase, here its restart); promote finishes the run', async () => {
    await stagedFleet();
    const run = syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    const paused = await untilPaused();
    expect(paused.paused).toMatchObject({
      after: 'half',
      phase: 'restart-half',
      left: [
        { phase: 'sync-hosts', hosts: 2 },
        { phase: 'restart-hosts', hosts: 2 },
      ],
    });
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02', 'mw03', 'mw04']);
    expect((await answer('promote')).code).toBe(0);
    expect(await run).toBe(0);
    expect(JSON.parse(fixture.stdout.text).pauses).toEqual([expect.objectContaining({ after: 'half', phase: 'restart-half', answer: 'promote' })]);
  });

  it('--pause-after <stage> pauses after that stage; abort --rollback puts back every host changed so far, canaries included, byte-exact', async () => {
    await stagedFleet();
    const run = syncFile({ ...fixture.options({ json: true, pauseAfter: 'one' }), path: 'php/index.php' });
    const paused = await untilPaused();
    expect(paused.paused).toMatchObject({ after: 'one', phase: 'check-one' });
    expect((await answer('rollback')).code).toBe(0);
    expect(await run).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.status).toBe('rolled-back');
    for (const host of STAGED) expect(fileOn(host)?.content.equals(OLD), host).toBe(true);
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02', 'mw03']);
    expect(fixture.stderr.text).toMatch(/Rolled back php\/index.php on 3 hosts: deploy abort --rollback by .+ while paused after one \(duration: /);
  });
});
