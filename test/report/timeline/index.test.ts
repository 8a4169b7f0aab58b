import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/rollout/types.js';
import { renderTimeline } from '../../../src/report/timeline/index.js';
import { exampleRun } from './example-run.js';
import { parseXml } from './xml-check.js';

describe('renderTimeline: the one call for `deploy history <id> --timeline / --svg`', () => {
  it('gives newline-terminated text at the width and colour asked for, or an SVG document', () => {
    // Given a recorded run
    const run = exampleRun();
    // When it is rendered as text at 60 columns with colour, as plain text, and as SVG
    const coloured = renderTimeline(run, { format: 'text', width: 60, color: true });
    const plain = renderTimeline(run, { format: 'text', width: 60 });
    const svg = renderTimeline(run, { format: 'svg', width: 60, color: true });
    // Then the text ends with a newline, fits 60 columns, is coloured only when asked
    expect(plain.endsWith('\n')).toBe(true);
    for (const line of plain.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(plain).not.toContain('\u001b');
    expect(coloured).toContain('\u001b[');
    // And the SVG ignores the terminal options and parses
    expect(parseXml(svg).name).toBe('svg');
  });

  it('draws an outcome it does not know (a record from a newer deploy) without failing', () => {
    // Given a run with an outcome this version does not have
    const run = exampleRun();
    run.hosts = run.hosts.map((h) => (h.host === 'mw1303.eqiad.wmnet' && h.phase === 'restart-hosts' ? { ...h, outcome: 'rolled-back' as Outcome } : h));
    // When it is rendered both ways / Then the text marks it `?` and the SVG stays well-formed
    expect(renderTimeline(run, { format: 'text', width: 80 })).toMatch(/^mw1303\.eqiad\.wmnet .*%\?$/m);
    expect(parseXml(renderTimeline(run, { format: 'svg' })).name).toBe('svg');
  });
});
