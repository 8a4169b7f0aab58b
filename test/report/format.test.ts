import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/model/run.js';
import { formatDuration } from '../../src/lib/duration.js';
import { outputBlock, progressLine } from '../../src/report/format.js';
import { finalLine, summaryLines, warningRecap } from '../../src/report/summary.js';
import { PhaseActivity } from '../../src/report/phase-activity.js';

describe('human formatting', () => {
  it('prints durations as MMm SSs', () => {
    expect(formatDuration(8_400)).toBe('00m 08s');
    expect(formatDuration(125_000)).toBe('02m 05s');
    expect(formatDuration(6_000_000)).toBe('100m 00s');
  });

  it('prints progress as <phase>: NN% (ok: A; warn: W; fail: F; left: L)', () => {
    const counts = { total: 12, ok: 5, warning: 1, failed: 1, skipped: 1, notStarted: 0, running: 2, left: 4 };
    expect(progressLine('restart-hosts', counts)).toBe('restart-hosts: 66% (ok: 5; warn: 1; fail: 1; left: 4), 1 skipped');
    // And without skipped hosts, exactly the contract's form
    expect(progressLine('restart-hosts', { ...counts, skipped: 0 })).toBe('restart-hosts: 66% (ok: 5; warn: 1; fail: 1; left: 4)');
  });

  it('keeps one-line output inline and indents several lines under the warning', () => {
    expect(outputBlock('busy\n', '')).toBe('busy');
    expect(outputBlock('a\n', 'b\nc\n')).toBe('\n    a\n    b\n    c');
    expect(outputBlock('', '')).toBe('(no output)');
  });
});

describe('summary and last line', () => {
  const report: RunReport = {
    command: 'sync-file',
    path: 'php/index.php',
    message: 'T123 fix',
    status: 'warnings',
    exitCode: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 12_300,
    phases: [{ name: 'restart-hosts', durationMs: 8_000, ok: 2, warning: 1, failed: 0, skipped: 0, notStarted: 0 }],
    hosts: [
      { host: 'a', phase: 'restart-hosts', outcome: 'ok', durationMs: 1_000 },
      { host: 'b', phase: 'restart-hosts', outcome: 'ok', durationMs: 3_000 },
      { host: 'c', phase: 'restart-hosts', outcome: 'warning', durationMs: 7_500 },
    ],
  };

  it('gives each phase its duration, counts, per-host median and slowest host', () => {
    const lines = summaryLines(report);
    expect(lines[2]).toMatch(/^ {2}restart-hosts\s+00m 08s\s+2\s+1\s+0\s+0\s+0\s+3s\s+7.5s c$/);
  });

  it('ends with Synchronized on success or warnings, and Failed/Aborted/Interrupted otherwise', () => {
    expect(finalLine(report, undefined)).toBe('Synchronized php/index.php: T123 fix (duration: 00m 12s)');
    expect(finalLine({ ...report, command: 'php-fpm-restart', path: undefined }, undefined)).toBe('Finished php-fpm-restart: T123 fix (duration: 00m 12s)');
    expect(finalLine({ ...report, status: 'aborted' }, 'canary checks failed')).toBe(
      'Aborted sync-file php/index.php: canary checks failed (duration: 00m 12s)',
    );
    expect(finalLine({ ...report, status: 'interrupted' }, 'x')).toMatch(/^Interrupted /);
    expect(finalLine({ ...report, status: 'failed' }, '1 host failed')).toMatch(/^Failed sync-file php\/index.php: 1 host failed/);
  });
});

describe('end-of-run recap and live status', () => {
  it('recaps the hosts that warned, with the last line of their output, before the last line', () => {
    // Given a report with two warned hosts, one of whose output hides an escape
    const report = {
      hosts: [
        { host: 'mw04', phase: 'restart-hosts', outcome: 'warning', exitCode: 1, stdout: 'depooling\n', stderr: 'left depooled, please check\n' },
        { host: 'mw05', phase: 'restart-hosts', outcome: 'ok' },
        { host: 'mw06', phase: 'restart-canaries', outcome: 'warning', exitCode: 2, stdout: 'x\x1b[2J' },
      ],
    } as unknown as RunReport;
    // When recapped / Then each warned host is named once with its phase, status and last line
    expect(warningRecap(report)).toEqual([
      '2 hosts warned; check them:',
      '  mw04 (restart-hosts, returned [1]): left depooled, please check',
      '  mw06 (restart-canaries, returned [2]): x\\x1b[2J',
    ]);
    expect(warningRecap({ hosts: [] } as unknown as RunReport)).toEqual([]);
  });

  it('counts a retrying host once, as retrying, not also as running', () => {
    // Given two hosts started, one of them retrying its connection
    const status = new PhaseActivity();
    status.reset('restart-hosts');
    status.update({
      type: 'progress',
      phase: 'restart-hosts',
      counts: { total: 4, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 0, running: 2, left: 4 },
    });
    status.update({ type: 'host-start', phase: 'restart-hosts', host: 'a', at: 0 });
    status.update({ type: 'host-start', phase: 'restart-hosts', host: 'b', at: 0 });
    status.update({ type: 'host-retry', phase: 'restart-hosts', host: 'b', attempt: 1, error: 'refused', delayMs: 100 });
    // When the line is drawn / Then 2 queued, 1 running, 1 retrying
    expect(status.line(1000)).toMatch(/^restart-hosts: queued 2, running 1, retrying 1, ok 0/);
  });
});
