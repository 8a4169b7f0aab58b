import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/model/run.js';
import { timelineModel } from '../../../src/report/timeline/model.js';
import { exampleRun, exampleRunWithoutStarts } from './example-run.js';

const PHASES = ['sync-canaries', 'restart-canaries', 'check-canaries', 'sync-hosts', 'restart-hosts'];

describe('timeline model: a run recorded with host starts', () => {
  it('places each phase where its first host started, never before the phase before it ended', () => {
    // Given the 12-host example run, whose hosts carry startMs
    const run = exampleRun();
    // When it is modelled
    const model = timelineModel(run);
    // Then the phases keep their order and durations, each starting at its earliest host start
    expect(model.phases.map((phase) => phase.name)).toEqual(PHASES);
    expect(model.phases.map((phase) => phase.durationMs)).toEqual(run.phases.map((phase) => phase.durationMs));
    for (const phase of model.phases.filter((p) => p.hasHosts)) {
      const starts = run.hosts.filter((h) => h.phase === phase.name && h.startMs !== undefined).map((h) => h.startMs as number);
      expect(phase.startMs).toBe(Math.min(...starts));
    }
    // And the check phase, which has no hosts, starts where restart-canaries ended
    const [, restart, check] = model.phases;
    expect(check?.hasHosts).toBe(false);
    expect(check?.startMs).toBe((restart?.startMs ?? NaN) + (restart?.durationMs ?? NaN));
    for (const [index, phase] of model.phases.entries()) {
      const before = model.phases[index - 1];
      if (before) expect(phase.startMs).toBeGreaterThanOrEqual(before.startMs + before.durationMs);
    }
  });

  it('gives each host one row, canaries first, with a bar per phase at its recorded start', () => {
    // Given the example run
    const run = exampleRun();
    // When it is modelled
    const model = timelineModel(run);
    // Then rows follow the hosts' first appearance, and every host result is one bar at its recorded start
    expect(model.rows.map((row) => row.host)).toEqual([...new Set(run.hosts.map((h) => h.host))]);
    expect(model.rows.slice(0, 2).map((row) => row.bars.map((bar) => bar.phase))).toEqual([
      ['sync-canaries', 'restart-canaries'],
      ['sync-canaries', 'restart-canaries'],
    ]);
    expect(model.rows.flatMap((row) => row.bars)).toHaveLength(run.hosts.length);
    for (const result of run.hosts) {
      const bar = model.rows.find((row) => row.host === result.host)?.bars.find((b) => b.phase === result.phase);
      expect(bar).toMatchObject({ outcome: result.outcome, durationMs: result.durationMs ?? 0 });
      if (result.startMs !== undefined) expect(bar).toMatchObject({ startMs: result.startMs, startRecorded: true });
    }
    // And the host that failed its sync is skipped in restart-hosts, its mark at the restart phase's start
    const mw1309 = model.rows.find((row) => row.host === 'mw1309.eqiad.wmnet');
    expect(mw1309?.bars.map((bar) => `${bar.phase}:${bar.outcome}`)).toEqual(['sync-hosts:failed', 'restart-hosts:skipped']);
    expect(mw1309?.bars[1]?.startMs).toBe(model.phases[4]?.startMs);
    expect(model.totalMs).toBeGreaterThanOrEqual(run.durationMs);
  });
});

describe('timeline model: a run recorded before hosts carried startMs', () => {
  it('lays the phases end to end and starts every bar at its phase start', () => {
    // Given the example run without any startMs
    const run = exampleRunWithoutStarts();
    // When it is modelled
    const model = timelineModel(run);
    // Then each phase starts where the one before ended, from 0
    let cursor = 0;
    for (const phase of model.phases) {
      expect(phase.startMs).toBe(cursor);
      cursor += phase.durationMs;
    }
    // And every bar starts at its phase's start, marked as not recorded
    for (const bar of model.rows.flatMap((row) => row.bars)) {
      expect(bar.startRecorded).toBe(false);
      expect(bar.startMs).toBe(model.phases[bar.phaseIndex]?.startMs);
    }
  });
});

describe('timeline model: runs that stopped early or are damaged', () => {
  const aborted: RunReport = {
    command: 'php-fpm-restart',
    message: 'aborted run',
    status: 'aborted',
    exitCode: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5_000,
    phases: [
      { name: 'restart-canaries', durationMs: 4_000, ok: 0, warning: 0, failed: 1, skipped: 0, notStarted: 0 },
      { name: 'check-canaries', durationMs: 0, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 1 },
      { name: 'restart-hosts', durationMs: 0, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 2 },
    ],
    hosts: [
      { host: 'c1', phase: 'restart-canaries', outcome: 'failed', error: 'timed out', startMs: 100, durationMs: 4_000 },
      { host: 'a', phase: 'restart-hosts', outcome: 'not-started', error: 'run aborted' },
      { host: 'b', phase: 'restart-hosts', outcome: 'not-started', error: 'run aborted' },
      { host: 'x', phase: 'rollback-sync', outcome: 'ok', startMs: 4_500, durationMs: 300 },
    ],
  };

  it('puts phases never reached at the end, with their hosts as zero-length not-started bars', () => {
    // Given an aborted run with unreached phases and a host entry in a phase the report does not list
    // When it is modelled
    const model = timelineModel(aborted);
    // Then the unreached phases sit at the end of the failed one, summarised by their worst outcome
    expect(model.phases.map((p) => [p.name, p.startMs, p.durationMs, p.outcome])).toEqual([
      ['restart-canaries', 100, 4_000, 'failed'],
      ['check-canaries', 4_100, 0, 'not-started'],
      ['restart-hosts', 4_100, 0, 'not-started'],
      ['rollback-sync', 4_500, 300, 'ok'],
    ]);
    expect(model.rows.find((row) => row.host === 'a')?.bars).toEqual([
      expect.objectContaining({ phase: 'restart-hosts', outcome: 'not-started', startMs: 4_100, durationMs: 0, error: 'run aborted' }),
    ]);
    // And the axis covers the run and every bar
    expect(model.totalMs).toBe(5_000);
  });

  it('draws a run without hosts as its phases alone', () => {
    // Given a run that did nothing
    const empty: RunReport = { ...aborted, hosts: [], phases: [], durationMs: 12 };
    // When it is modelled / Then there are no rows and the axis is the run's duration
    expect(timelineModel(empty)).toMatchObject({ rows: [], phases: [], totalMs: 12 });
  });
});
