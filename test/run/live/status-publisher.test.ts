import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStatusPublisher } from '../../../src/run/live/status-publisher.js';
import { stallAfterMs } from '../../../src/run/live/status-tracker.js';
import type { Plan } from '../../../src/run/plan/types.js';
import { buildStatusView } from '../../../src/report/status-view.js';
import type { LiveState } from '../../../src/state/status-file.js';
import { useTempDirs } from '../../helpers/temp-dirs.js';

const tempDir = useTempDirs();
const plan: Plan = { command: 'php-fpm-restart', phases: [], notes: [] };
const start = { type: 'run-start' as const, command: 'php-fpm-restart', message: 'm', transport: 'fake', hosts: 2, canaries: 0 };

describe('the live publisher', () => {
  it('writes the live state owner-only at once on run start, and throttles host events', async () => {
    // Given a publisher with a long throttle
    const dir = await tempDir();
    const path = join(dir, 'deploy.lock.journal', 'live.json');
    const publisher = createStatusPublisher({ path, plan, warn: () => undefined, throttleMs: 60_000 });
    // When the run starts, then a host starts
    publisher.report(start);
    publisher.report({ type: 'phase-start', phase: 'restart-hosts', hosts: 2 });
    // (the first write is not throttled, but it is asynchronous: wait for it, however loaded the machine)
    for (let waited = 0; !existsSync(path) && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = JSON.parse(readFileSync(path, 'utf8')) as LiveState;
    publisher.report({ type: 'host-start', phase: 'restart-hosts', host: 'h0', at: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const throttled = JSON.parse(readFileSync(path, 'utf8')) as LiveState;
    await publisher.close();
    const closed = JSON.parse(readFileSync(path, 'utf8')) as LiveState;
    // Then the start was written at once (0600), the host waited for the throttle, and close wrote it, marked finished
    expect(first).toMatchObject({ version: 1, pid: process.pid, command: 'php-fpm-restart', phase: { name: 'restart-hosts' }, hosts: [] });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(throttled.hosts).toEqual([]);
    expect(closed.hosts.map((host) => host.host)).toEqual(['h0']);
    expect(closed.finished).toMatchObject({ status: 'unknown' });
  });

  it('warns once and goes on when the live state cannot be written', async () => {
    // Given a live state path under a regular file (its folder cannot be made)
    const dir = await tempDir();
    writeFileSync(join(dir, 'blocker'), '');
    const warnings: string[] = [];
    const publisher = createStatusPublisher({ path: join(dir, 'blocker', 'live.json'), plan, warn: (text) => warnings.push(text), throttleMs: 0 });
    // When events keep coming
    publisher.report(start);
    for (let i = 0; i < 5; i++) publisher.report({ type: 'phase-start', phase: `p${i}`, hosts: 1 });
    await publisher.close();
    // Then there was exactly one warning, and nothing threw
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not write the live state .*blocker\/live.json for `deploy status`: .*; the run goes on/);
  });
});

describe('stalled', () => {
  it('is half of restart_stall_timeout, at least 10 s, and 30 s with the watchdog off', () => {
    expect([stallAfterMs(0), stallAfterMs(4_000), stallAfterMs(60_000)]).toEqual([30_000, 10_000, 30_000]);
  });

  it('is a running host silent past the phase threshold; one that talks stays running', () => {
    // Given two hosts started 60 s ago, one silent since, one with output 1 s ago
    const now = 1_000_000;
    const host = (name: string, lastActivityAt: number) => ({
      host: name,
      phase: 'restart-hosts',
      state: 'running' as const,
      startedAt: now - 60_000,
      lastActivityAt,
    });
    const live: LiveState = {
      version: 1,
      pid: 1,
      host: 'x',
      user: 'u',
      command: 'php-fpm-restart',
      message: 'm',
      transport: 'fake',
      startedAt: now - 70_000,
      updatedAt: now,
      done: [],
      moreFailed: 0,
      phase: {
        name: 'restart-hosts',
        startedAt: now - 60_000,
        stallAfterMs: 30_000,
        counts: { total: 4, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 0, running: 2, left: 4 },
      },
      hosts: [host('quiet', now - 60_000), host('talker', now - 1_000)],
    };
    // When the view is built
    const view = buildStatusView({ live, liveWriterAlive: true, holderAlive: false, now });
    // Then the silent one is stalled, the other running, and the two waiting hosts are queued
    expect(view.hosts?.map((h) => [h.host, h.state, h.silentMs])).toEqual([
      ['quiet', 'stalled', 60_000],
      ['talker', 'running', undefined],
    ]);
    expect(view.phase).toMatchObject({ queued: 2, running: 1, stalled: 1 });
  });
});
