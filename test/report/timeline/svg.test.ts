import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/model/run.js';
import { renderTimeline } from '../../../src/report/timeline/index.js';
import { timelineModel } from '../../../src/report/timeline/model.js';
import { OUTCOME_COLOURS, timelineSvg } from '../../../src/report/timeline/svg.js';
import { exampleRun, exampleRunWithoutStarts } from './example-run.js';
import { allElements, parseXml, type XmlElement } from './xml-check.js';

const bars = (root: XmlElement): XmlElement[] => allElements(root).filter((e) => e.name === 'rect' && /(^| )bar( |$)/.test(e.attributes.class ?? ''));
const titleOf = (element: XmlElement): string => element.children.find((child) => child.name === 'title')?.text ?? '';
const texts = (root: XmlElement): string[] =>
  allElements(root)
    .filter((e) => e.name === 'text')
    .map((e) => e.text);

/** A run whose every piece of recorded text tries to break the XML. */
function hostileRun(): RunReport {
  return {
    command: 'sync-file',
    path: 'w/<script>&amp;.php',
    message: `]]> <!-- "quote" 'apostrophe' & <b>bold</b> \u001b[31mred\u0007 \ud800`,
    status: 'failed',
    exitCode: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 2_000,
    phases: [{ name: 'restart-hosts', durationMs: 1_900, ok: 1, warning: 0, failed: 1, skipped: 0, notStarted: 0 }],
    hosts: [
      { host: 'a<b>&"c"', phase: 'restart-hosts', outcome: 'ok', startMs: 10, durationMs: 500 },
      { host: "d'e\u001bf", phase: 'restart-hosts', outcome: 'failed', error: 'boom </svg><svg> & \u0000', startMs: 20, durationMs: 1_800 },
    ],
  };
}

describe('timeline svg: a standalone, well-formed document', () => {
  it('parses as XML with one svg root in the SVG namespace, sized, with a white background', () => {
    // Given the 12-host example run
    // When it is rendered as SVG
    const svg = renderTimeline(exampleRun(), { format: 'svg' });
    // Then it is one well-formed svg element in the SVG namespace, with a size and a viewBox
    const root = parseXml(svg);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(Number(root.attributes.width)).toBeGreaterThan(0);
    expect(root.attributes.viewBox).toBe(`0 0 ${root.attributes.width} ${root.attributes.height}`);
    // And nothing refers outside the file (no external stylesheet, image or font)
    expect(svg).not.toMatch(/href=|@import|url\(/);
  });

  it('the checker used here does reject what is not well-formed', () => {
    // Given broken documents / When checked / Then each is refused
    expect(() => parseXml('<svg><g></svg></g>')).toThrow(/closes/);
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow(/bare &/);
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow(/bad tag/);
    expect(() => parseXml('<svg a=1></svg>')).toThrow(/bad attributes/);
    expect(() => parseXml('<svg><text>\u001b</text></svg>')).toThrow(/not allowed/);
    expect(() => parseXml('<svg><g>')).toThrow(/never closed/);
    expect(() => parseXml('<svg/><svg/>')).toThrow(/second root/);
  });
});

describe('timeline svg: one bar per host and phase', () => {
  for (const [name, run] of [
    ['with recorded starts', exampleRun()],
    ['without recorded starts', exampleRunWithoutStarts()],
  ] as const) {
    it(`draws exactly one rect per host result, ${name}, coloured by outcome, with a tooltip`, () => {
      // Given the example run
      // When it is rendered as SVG
      const root = parseXml(timelineSvg(timelineModel(run)));
      // Then there is one bar per host and phase, in the outcome's colour, its tooltip naming host, phase and outcome
      const drawn = bars(root);
      expect(drawn).toHaveLength(run.hosts.length);
      for (const result of run.hosts) {
        const matching = drawn.filter((bar) => titleOf(bar).startsWith(`${result.host} · ${result.phase}: ${result.outcome}`));
        expect(matching, `${result.host} ${result.phase}`).toHaveLength(1);
        const bar = matching[0] as XmlElement;
        expect(bar.attributes.fill).toBe(OUTCOME_COLOURS[result.outcome].fill);
        expect(Number(bar.attributes.width)).toBeGreaterThanOrEqual(3);
        if (result.durationMs !== undefined && result.durationMs > 1_000) expect(titleOf(bar)).toMatch(/\d+(\.\d+)?s/);
      }
      // And the failed host's tooltip carries its reason
      expect(drawn.map(titleOf).find((title) => title.startsWith('mw1309.eqiad.wmnet · sync-hosts'))).toMatch(/timed out after 10s/);
    });
  }

  it('places bars by time: a later start is further right, a longer bar is wider', () => {
    // Given the example run rendered
    const root = parseXml(renderTimeline(exampleRun(), { format: 'svg' }));
    const bar = (host: string, phase: string) => bars(root).find((b) => titleOf(b).startsWith(`${host} · ${phase}:`)) as XmlElement;
    const x = (b: XmlElement) => Number(b.attributes.x);
    const width = (b: XmlElement) => Number(b.attributes.width);
    // Then restart bars come after sync bars, and the slow host's bar is the widest of its phase
    expect(x(bar('mw1303.eqiad.wmnet', 'restart-hosts'))).toBeGreaterThan(x(bar('mw1303.eqiad.wmnet', 'sync-hosts')));
    expect(x(bar('mw1310.eqiad.wmnet', 'restart-hosts'))).toBeGreaterThan(x(bar('mw1303.eqiad.wmnet', 'restart-hosts')));
    expect(width(bar('mw1309.eqiad.wmnet', 'sync-hosts'))).toBeGreaterThan(width(bar('mw1303.eqiad.wmnet', 'sync-hosts')) * 10);
  });
});

describe('timeline svg: labels', () => {
  it('names every host, labels the axis in seconds from 0s, and has a legend of outcomes and phases', () => {
    // Given the example run rendered
    const run = exampleRun();
    const root = parseXml(renderTimeline(run, { format: 'svg' }));
    const all = texts(root);
    // Then every host is named, the axis counts seconds from 0s, and the legend names outcomes and phases
    for (const host of new Set(run.hosts.map((h) => h.host))) expect(all).toContain(host);
    const ticks = allElements(root)
      .filter((e) => e.attributes.class === 'tick')
      .map((e) => e.text);
    expect(ticks[0]).toBe('0s');
    expect(ticks.length).toBeGreaterThan(3);
    for (const tick of ticks) expect(tick).toMatch(/^\d+(\.\d)?s$/);
    for (const outcome of ['ok (21)', 'warning (1)', 'failed (1)', 'skipped (1)', 'not started (0)']) expect(all).toContain(outcome);
    for (const [index, phase] of run.phases.entries()) expect(all.some((t) => t.startsWith(`${index + 1} ${phase.name} · `))).toBe(true);
    // And the title line names the status, command, path and message
    expect(all).toContain('FAILED');
    expect(all).toContain('sync-file wmf-config/InitialiseSettings.php: T362151: raise $wgMaxArticleSize on testwiki');
    expect(all.some((t) => t.startsWith('run 20260312-140211-4f2a by deployer@deploy1002'))).toBe(true);
  });

  it('says so when the run did not record host starts', () => {
    // Given the example run recorded before startMs / When rendered / Then the subtitle says bars start with their phase
    const all = texts(parseXml(renderTimeline(exampleRunWithoutStarts(), { format: 'svg' })));
    expect(all.some((t) => t.includes('host starts not recorded'))).toBe(true);
  });
});

describe('timeline svg: escaping', () => {
  it('keeps host names, paths, messages and errors as text, never as markup', () => {
    // Given a run whose recorded text is full of markup, quotes, control characters and a lone surrogate
    const run = hostileRun();
    // When it is rendered
    const svg = renderTimeline(run, { format: 'svg' });
    // Then the document is still well-formed, with exactly its own elements
    const root = parseXml(svg);
    expect(
      allElements(root)
        .map((e) => e.name)
        .filter((name) => !['rect', 'text', 'line', 'title', 'svg'].includes(name)),
    ).toEqual([]);
    expect(allElements(root).filter((e) => e.name === 'svg')).toHaveLength(1);
    expect(bars(root)).toHaveLength(2);
    // And the text reads back as written, control characters made visible
    const all = texts(root);
    expect(all).toContain('a<b>&"c"');
    expect(all).toContain("d'e\\x1bf");
    expect(all.some((t) => t.includes('w/<script>&amp;.php') && t.includes(`]]> <!-- "quote" 'apostrophe' & <b>bold</b> \\x1b[31mred\\x07 \ufffd`))).toBe(true);
    expect(bars(root).map(titleOf)).toContain("d'e\\x1bf · restart-hosts: failed, 1.8s, started at 0.02s · boom </svg><svg> & \\x00");
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });
});
