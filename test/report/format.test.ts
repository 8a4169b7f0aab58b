import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/events.js';
import { formatDuration } from '../../src/lib/duration.js';
import { outputBlock, progressLine } from '../../src/report/format.js';
import { finalLine, summaryLines } from '../../src/report/summary.js';

describe('human formatting', () => {
  it('prints durations as MMm SSs', () => {
    expect(formatDuration(8_400)).toBe('00m 08s');
    expect(formatDuration(125_000)).toBe('02m 05s');
    expect(formatDuration(6_000_000)).toBe('100m 00s');
  });

  it('prints progress as <phase>: NN% (ok: A; warn: W; fail: F; left: L)', () => {
    const counts = { total: 12, ok: 5, warning: 1, failed: 1, skipped: 1, notStarted: 0, running: 2, left: 4 };
    expect(progressLine('restart-hosts', counts)).toBe('restart-hosts: 66% (ok: 5; warn: 1; fail: 1; left: 4)');
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
    expect(finalLine({ ...report, status: 'aborted' }, 'canary checks failed')).toBe('Aborted sync-file php/index.php: canary checks failed (duration: 00m 12s)');
    expect(finalLine({ ...report, status: 'interrupted' }, 'x')).toMatch(/^Interrupted /);
    expect(finalLine({ ...report, status: 'failed' }, '1 host failed')).toMatch(/^Failed sync-file php\/index.php: 1 host failed/);
  });
});
