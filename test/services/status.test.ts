import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusView } from '../../src/report/status-view.js';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { readStatus, showStatus, type StatusOptions } from '../../src/services/status.js';
import { statusFilePath, type LiveState } from '../../src/state/status-file.js';
import { Capture, stepFixture, type StepFixture } from '../run/fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const statusOptions = (f: StepFixture, extra: Partial<StatusOptions> = {}): StatusOptions => ({
  configPath: f.configPath,
  defines: [],
  cwd: f.dir,
  systemConfigPath: join(f.dir, 'no-system-config.json'),
  stderr: f.stderr,
  ...extra,
});

/** Look at the status again and again until `ready` holds (generous: the machine is loaded). */
async function statusWhen(f: StepFixture, ready: (view: StatusView) => boolean, extra: Partial<StatusOptions> = {}): Promise<StatusView> {
  const until = Date.now() + 30_000;
  for (;;) {
    const view = readStatus(statusOptions(f, extra), () => undefined);
    if (ready(view)) return view;
    if (Date.now() > until) throw new Error(`status never got there; last: ${JSON.stringify(view)}`);
    await sleep(50);
  }
}

const text = async (f: StepFixture, extra: Partial<StatusOptions> = {}): Promise<string> => {
  const out = new Capture();
  await showStatus(statusOptions(f, { stdout: out, ...extra }));
  return out.text;
};

const hostState = (view: StatusView, host: string) => view.hosts?.find((entry) => entry.host === host)?.state;

/** End a run that has hosts hanging: two interrupts stop them. */
const interrupt = (f: StepFixture): void => {
  f.signals.emit('SIGINT', 'SIGINT');
  f.signals.emit('SIGINT', 'SIGINT');
};

describe('deploy status during a run', () => {
  it('shows running, retrying and failed hosts, counts queued ones without listing them, and prints JSON', async () => {
    // Given a restart of six hosts, three at a time: h0 and h3 run long, h1 keeps failing to connect
    // (retrying), h2 loses its connection at once (failed), h4 and h5 wait
    fixture = await stepFixture(
      { targets: ['h0', 'h1', 'h2', 'h3', 'h4', 'h5'], restart_concurrency: 3, failure_limit: 10 },
      {
        connectRetries: 50,
        retryDelayMs: 300,
        hosts: { h0: { hang: true, talkEveryMs: 100 }, h1: { failConnects: 1000 }, h2: { dropAfterMs: 0, execMs: 5000 }, h3: { hang: true } },
      },
    );
    const run = phpFpmRestart(fixture.options());
    // When status is looked at while they are all at it
    const view = await statusWhen(
      fixture,
      (v) => hostState(v, 'h0') === 'running' && hostState(v, 'h1') === 'retrying' && hostState(v, 'h2') === 'failed' && hostState(v, 'h3') === 'running',
    );
    const shown = await text(fixture);
    const json = JSON.parse(await text(fixture, { json: true })) as StatusView;
    interrupt(fixture);
    expect(await run).toBe(130);
    // Then it names the run and phase, counts the two waiting hosts as queued and lists them nowhere
    expect(view.running).toBe(true);
    expect(view.phase).toMatchObject({ name: 'restart-hosts', queued: 2, running: 2, retrying: 1, failed: 1, total: 6 });
    expect(shown).toMatch(/^deploy php-fpm-restart: test deploy\n {2}by .+ pid \d+, started \d\d:\d\d:\d\d\n/);
    expect(shown).toMatch(/phase restart-hosts \(6 hosts, [\d.]+s\): queued 2, running 2, retrying 1, ok 0, failed 1/);
    expect(shown).toMatch(/\n {2}h1 {2}retrying {2}attempt \d+ \(for [\d.]+s\): could not connect to h1: connection reset/);
    expect(shown).toMatch(/\n {2}h2 {2}failed {4}in restart-hosts: connection to h2 lost: peer stopped answering/);
    expect(shown).toMatch(/\n {2}h0 {2}running {3}for [\d.]+s/);
    expect(shown).toMatch(/\n {2}h3 {2}running {3}for [\d.]+s/);
    expect(shown).not.toMatch(/h4|h5/);
    // And --json prints the same as one object
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['running', 'cutOff', 'holder', 'run', 'phase', 'done', 'hosts']));
    expect(json.holder).toMatchObject({ pid: process.pid, command: 'deploy php-fpm-restart test deploy' });
    expect(json.run).toMatchObject({ command: 'php-fpm-restart', message: 'test deploy', pid: process.pid });
    expect(json.hosts?.find((h) => h.host === 'h2')).toEqual({
      host: 'h2',
      phase: 'restart-hosts',
      state: 'failed',
      error: 'connection to h2 lost: peer stopped answering',
    });
    expect(json.hosts?.find((h) => h.host === 'h1')).toMatchObject({
      state: 'retrying',
      attempt: expect.any(Number),
      error: expect.stringMatching(/connection reset/),
    });
    // And once the run has ended, no deploy runs and its last line is shown
    expect(await text(fixture)).toMatch(/^no deploy running\nlast run: Interrupted php-fpm-restart/);
  });

  it('shows a running host silent past the threshold as stalled, with how long', async () => {
    // Given a restart whose only host hangs without a word (restart_stall_timeout off: 30 s threshold)
    fixture = await stepFixture({ targets: ['h0'] }, { hosts: { h0: { hang: true } } });
    const run = phpFpmRestart(fixture.options());
    const now = await statusWhen(fixture, (v) => hostState(v, 'h0') === 'running');
    // When status is drawn 31 s later
    const later = readStatus(statusOptions(fixture, { now: () => Date.now() + 31_000 }), () => undefined);
    const shown = await text(fixture, { now: () => Date.now() + 31_000 });
    interrupt(fixture);
    await run;
    // Then it is stalled (not before), silent for at least 31 s
    expect(now.phase?.stalled).toBe(0);
    expect(later.phase).toMatchObject({ stalled: 1, running: 0 });
    expect(later.hosts?.[0]).toMatchObject({ host: 'h0', state: 'stalled', silentMs: expect.any(Number) });
    expect(later.hosts?.[0]?.silentMs).toBeGreaterThan(31_000);
    expect(shown).toMatch(/\n {2}h0 {2}stalled {3}silent for \d+(\.\d)?s \(running/);
  });

  it('shows per-pool counts when pools are configured', async () => {
    // Given pools a (h0 hangs, h1) and b (h2), one host of each pool at a time
    fixture = await stepFixture(
      { targets: ['h0', 'h1', 'h2'], pools: { a: ['h0', 'h1'], b: ['h2'] }, pool_concurrency: 1, restart_concurrency: 3 },
      { hosts: { h0: { hang: true } } },
    );
    const run = phpFpmRestart(fixture.options());
    // When b is done and a is stuck on h0
    const view = await statusWhen(fixture, (v) => v.pools?.find((pool) => pool.name === 'b')?.ok === 1 && hostState(v, 'h0') === 'running');
    const shown = await text(fixture);
    interrupt(fixture);
    await run;
    // Then each pool has its own figures
    expect(view.pools).toEqual([
      { name: 'a', total: 2, running: 1, ok: 0, warning: 0, failed: 0, halted: false, queued: 1 },
      { name: 'b', total: 1, running: 0, ok: 1, warning: 0, failed: 0, halted: false, queued: 0 },
    ]);
    expect(shown).toMatch(/\n {2}pool a: queued 1, running 1, ok 0, failed 0\n {2}pool b: queued 0, running 0, ok 1, failed 0\n/);
    expect(shown).toMatch(/h0 {2}running {3}for [\d.]+s \[a\]/);
  });
});

describe('deploy status with no run', () => {
  it("says no deploy is running, then gives the last run's final line", async () => {
    // Given a project that never ran
    fixture = await stepFixture({ targets: ['h0'] });
    // Then status says so, alone
    expect(await text(fixture)).toBe('no deploy running\n');
    // When a run has finished
    expect(await phpFpmRestart(fixture.options())).toBe(0);
    // Then its last line is shown, from the history
    expect(await text(fixture)).toMatch(/^no deploy running\nlast run: Finished php-fpm-restart: test deploy \(duration: 00m \d\ds\)\n$/);
    expect(JSON.parse(await text(fixture, { json: true }))).toEqual({
      running: false,
      cutOff: false,
      lastRun: { line: expect.stringMatching(/^Finished php-fpm-restart/), status: 'success', startedAt: expect.any(String) },
    });
  });

  it("says the last run was cut off when the live state's writer is dead", async () => {
    // Given a live state left unfinished by a process that has exited
    fixture = await stepFixture({ targets: ['h0'] });
    const dead = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid as number;
    const state: LiveState = {
      version: 1,
      pid: dead,
      host: hostname(),
      user: 'alice',
      command: 'php-fpm-restart',
      message: 'cut',
      transport: 'fake',
      startedAt: Date.now(),
      updatedAt: Date.now(),
      done: [],
      hosts: [{ host: 'h0', phase: 'restart-hosts', state: 'running', startedAt: Date.now(), lastActivityAt: Date.now() }],
      moreFailed: 0,
    };
    const path = statusFilePath(join(fixture.dir, 'deploy.lock'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(state));
    // When status is asked
    // Then no deploy runs, and the run is called cut off rather than shown as running
    expect(await text(fixture)).toBe('no deploy running (the last run was cut off)\n');
    expect(JSON.parse(await text(fixture, { json: true }))).toMatchObject({ running: false, cutOff: true });
  });
});

describe('deploy status --watch', () => {
  it('prints a block every interval without a terminal and ends when the run ends', async () => {
    // Given a run of three hosts restarted one at a time, 700 ms each
    fixture = await stepFixture({ targets: ['h0', 'h1', 'h2'], restart_concurrency: 1 }, { defaults: { execMs: 700 } });
    const run = phpFpmRestart(fixture.options());
    await statusWhen(fixture, (v) => v.run !== undefined);
    // When status --watch runs alongside it
    const out = new Capture();
    const watched = await showStatus(statusOptions(fixture, { stdout: out, watch: true, intervalMs: 150, env: {} }));
    // Then it returned on its own once the run ended, after several plain blocks (no escape codes)
    expect(watched).toBe(0);
    expect(await run).toBe(0);
    expect(out.text.match(/^deploy php-fpm-restart: test deploy$/gm)?.length).toBeGreaterThan(2);
    expect(out.text).not.toContain('\x1b');
    expect(out.text).toMatch(/\n\nno deploy running\nlast run: Finished php-fpm-restart: test deploy \(duration: 00m \d\ds\)\n\n$/);
  });

  it('redraws in place on a terminal, each line cut to its width', async () => {
    // Given a run of two hosts, 700 ms each, one at a time, and a terminal 40 columns wide
    fixture = await stepFixture({ targets: ['h0', 'h1'], restart_concurrency: 1 }, { defaults: { execMs: 700 } });
    const run = phpFpmRestart(fixture.options());
    await statusWhen(fixture, (v) => v.run !== undefined);
    const terminal = Object.assign(new Capture(), { isTTY: true, columns: 40, rows: 20 });
    // When status --watch draws on it
    await showStatus(statusOptions(fixture, { stdout: terminal, watch: true, intervalMs: 150, env: {} }));
    await run;
    // Then every view starts by clearing the screen, and no line is wider than the terminal
    const views = terminal.text.split('\x1b[H\x1b[2J').slice(1);
    expect(views.length).toBeGreaterThan(1);
    expect(views.at(-1)).toMatch(/^no deploy running\nlast run: Finished php-fpm-restart/);
    for (const line of terminal.text.replaceAll('\x1b[H\x1b[2J', '').split('\n')) expect(line.length).toBeLessThanOrEqual(40);
  });
});
