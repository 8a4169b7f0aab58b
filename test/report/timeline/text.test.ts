import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/model/run.js';
import { timelineModel } from '../../../src/report/timeline/model.js';
import { OUTCOME_MARKS, PHASE_CHARS, phaseChar, timelineLines } from '../../../src/report/timeline/text.js';
import { exampleRun, exampleRunWithoutStarts } from './example-run.js';

const ANSI = /\u001b\[[0-9;]*m/g;
const strip = (line: string): string => line.replace(ANSI, '');
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A run that stopped early: most hosts never started, several zero-length marks share a column. */
function abortedRun(): RunReport {
  const others = Array.from({ length: 6 }, (_, i) => `app${i + 1}`);
  return {
    command: 'sync-file',
    path: 'a.php',
    message: 'stopped',
    status: 'aborted',
    exitCode: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 61_000,
    phases: [
      { name: 'sync-canaries', durationMs: 1_000, ok: 1, warning: 0, failed: 0, skipped: 0, notStarted: 0 },
      { name: 'restart-canaries', durationMs: 60_000, ok: 0, warning: 0, failed: 1, skipped: 0, notStarted: 0 },
      { name: 'check-canaries', durationMs: 0, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 1 },
      { name: 'sync-hosts', durationMs: 0, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 6 },
      { name: 'restart-hosts', durationMs: 0, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 6 },
    ],
    hosts: [
      { host: 'canary1', phase: 'sync-canaries', outcome: 'ok', startMs: 0, durationMs: 1_000 },
      { host: 'canary1', phase: 'restart-canaries', outcome: 'failed', error: 'timed out after 60s', startMs: 1_000, durationMs: 60_000 },
      ...others.flatMap((host) => [
        { host, phase: 'sync-hosts', outcome: 'not-started' as const, error: 'run aborted' },
        { host, phase: 'restart-hosts', outcome: 'not-started' as const, error: 'run aborted' },
      ]),
    ],
  };
}

const MARK = `([${escapeRegExp(PHASE_CHARS.join(''))}])\\1*[${escapeRegExp(Object.values(OUTCOME_MARKS).join(''))}]?|[${escapeRegExp(Object.values(OUTCOME_MARKS).join(''))}]`;

/** The marks drawn in row `index` (after title, axis and phase lines): a run of one phase character ending maybe with a letter, or a lone letter. */
function marksIn(lines: string[], index: number, host: string): string[] {
  const chartStart = lines.find((line) => /^\s+\+-/.test(line))?.indexOf('+') ?? NaN;
  const row = lines[5 + index] as string;
  expect(host.startsWith(row.slice(0, chartStart).trim().replace(/…$/, '')), `row ${index} is ${host}: ${row}`).toBe(true);
  return row.slice(chartStart).replace(/ /g, '').match(new RegExp(MARK, 'g')) ?? [];
}

describe('timeline text: it fits the terminal', () => {
  for (const width of [40, 80, 200]) {
    it(`keeps every line within ${width} columns, coloured or not`, () => {
      // Given the 12-host example run
      const model = timelineModel(exampleRun());
      // When it is drawn at this width, plain and coloured
      const plain = timelineLines(model, { width, color: false });
      const coloured = timelineLines(model, { width, color: true });
      // Then no line is wider, the ruler spans the width exactly, and colour changes no character
      for (const line of plain) expect(line.length, line).toBeLessThanOrEqual(width);
      expect(plain.find((line) => /^\s+\+-/.test(line))?.length).toBe(width);
      expect(coloured.map(strip)).toEqual(plain);
      // And there is a row per host
      expect(plain.filter((line) => /^mw13/.test(line))).toHaveLength(12);
    });
  }

  it('cuts a very long host name so the chart keeps two thirds of a narrow terminal', () => {
    // Given a run with a 100-character host name
    const run = exampleRun();
    const long = `${'x'.repeat(96)}.net`;
    run.hosts = run.hosts.map((h) => (h.host === 'mw1303.eqiad.wmnet' ? { ...h, host: long } : h));
    // When drawn at 40 columns
    const lines = timelineLines(timelineModel(run), { width: 40 });
    // Then every line fits, the name is cut with an ellipsis, and the ruler starts within the first third
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(40);
    expect(lines.some((line) => line.startsWith('xxxxxxxxxxxx…'))).toBe(true);
    expect(lines.find((line) => /^\s+\+-/.test(line))?.indexOf('+')).toBeLessThanOrEqual(14);
  });

  it('falls back to 80 columns when the width is 0 or unknown', () => {
    // Given the example run
    const model = timelineModel(exampleRun());
    // When drawn without a width, or with 0 / Then it is drawn exactly as at 80
    const at80 = timelineLines(model, { width: 80 });
    expect(timelineLines(model, {})).toEqual(at80);
    expect(timelineLines(model, { width: 0 })).toEqual(at80);
    expect(at80.find((line) => /^\s+\+-/.test(line))?.length).toBe(80);
  });
});

describe('timeline text: one mark per host and phase', () => {
  for (const [name, run] of [
    ['the example run', exampleRun()],
    ['the example run recorded without host starts', exampleRunWithoutStarts()],
    ['an aborted run whose unreached phases all start at the same moment', abortedRun()],
  ] as const) {
    for (const width of [40, 80, 200]) {
      it(`draws every bar of ${name} at ${width} columns, with its phase's character or its outcome's letter`, () => {
        // Given the run's model
        const model = timelineModel(run);
        // When drawn as plain text
        const lines = timelineLines(model, { width });
        // Then each host row holds exactly one mark per phase it took part in, in phase order
        for (const [rowIndex, row] of model.rows.entries()) {
          const marks = marksIn(lines, rowIndex, row.host);
          expect(marks, `${row.host} at ${width}: ${marks.join(' ')}`).toHaveLength(row.bars.length);
          for (const [index, bar] of row.bars.entries()) {
            const mark = marks[index] as string;
            const letter = bar.outcome === 'ok' ? undefined : OUTCOME_MARKS[bar.outcome];
            if (letter === undefined) expect(mark).toMatch(new RegExp(`^${escapeRegExp(phaseChar(bar.phaseIndex))}+$`));
            else
              expect(mark.endsWith(letter) && (mark.length === 1 || mark[0] === phaseChar(bar.phaseIndex)), `${mark} for ${bar.phase} ${bar.outcome}`).toBe(
                true,
              );
          }
        }
      });
    }
  }
});

describe('timeline text: plain and coloured', () => {
  it('writes no escape byte without colour, even from a message or host name that carries one', () => {
    // Given a run whose message and a host name carry escape sequences
    const run = exampleRun();
    run.message = 'evil \u001b[2J message';
    run.hosts = run.hosts.map((h) => (h.host === 'mw1303.eqiad.wmnet' ? { ...h, host: 'mw\u001b[31m3' } : h));
    // When it is drawn plain
    const text = timelineLines(timelineModel(run), { width: 100, color: false }).join('\n');
    // Then no escape byte is written; they show as \x1b
    expect(text).not.toContain('\u001b');
    expect(text).toContain('evil \\x1b[2J message');
    expect(text).toContain('mw\\x1b[31m3');
  });

  it('colours bars by outcome with a chalk instance given by the caller', () => {
    // Given the example run and a 16-colour chalk
    const lines = timelineLines(timelineModel(exampleRun()), { width: 120, color: new Chalk({ level: 1 }) });
    // Then the failed host's bar is red, the warning one's yellow, ok bars green
    const row = (host: string) => lines.find((line) => line.startsWith(host)) as string;
    expect(row('mw1309')).toContain('\u001b[31m');
    expect(row('mw1306')).toContain('\u001b[33m');
    expect(row('mw1303')).toContain('\u001b[32m');
    expect(row('mw1303')).not.toContain('\u001b[31m');
    // And a colourless chalk instance from the caller (NO_COLOR, say) is obeyed
    expect(timelineLines(timelineModel(exampleRun()), { width: 120, color: new Chalk({ level: 0 }) }).join('\n')).not.toContain('\u001b');
  });
});

describe('timeline text: axis, phases and legend', () => {
  it('labels the axis from 0s, names the phases that fit, and lists every phase and mark in the legend', () => {
    // Given the example run drawn at 100 columns
    const model = timelineModel(exampleRun());
    const lines = timelineLines(model, { width: 100 });
    // Then the title names the status, command, path and message
    expect(lines[0]).toBe('failed sync-file wmf-config/InitialiseSettings.php: T362151: raise $wgMaxArticleSize on testwiki');
    // And the axis starts at 0s where the bars start, with increasing labels
    const labels = lines[2] as string;
    const ruler = lines[3] as string;
    expect(labels.indexOf('0s')).toBe(ruler.indexOf('+'));
    const seconds = [...labels.matchAll(/(\d+)s/g)].map((m) => Number(m[1]));
    expect(seconds[0]).toBe(0);
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
    expect(seconds.length).toBeGreaterThan(3);
    // And the phase row names the long phases, the legend names them all with their characters
    expect(lines[4]).toMatch(/^phases\s+=.*check-canaries.*sync-hosts.*restart-hosts/);
    const legend = lines.slice(-4).join('\n');
    for (const [index, phase] of model.phases.entries()) expect(legend).toContain(`${phaseChar(index)} ${phase.name}`);
    expect(legend).toMatch(/W warning {2}F failed {2}s skipped {2}\. not started/);
  });
});

describe('timeline of a staged run', () => {
  it('gives each phase of a run with three stages and a rollback its own character', () => {
    // Given the phases of a sync-file run with sync proxies, three stages and a rollback after the second stage
    const names = ['sync-proxies', 'sync-canaries', 'restart-canaries', 'check-canaries'];
    for (const stage of ['one', 'two', 'three']) names.push(`sync-${stage}`, `restart-${stage}`, `check-${stage}`);
    names.push('rollback-sync', 'rollback-restart', 'sync-hosts', 'restart-hosts');
    // When each gets its character / Then no two phases share one
    expect(new Set(names.map((_, index) => phaseChar(index))).size).toBe(names.length);
  });
});
