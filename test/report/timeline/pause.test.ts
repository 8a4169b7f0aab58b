import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/model/run.js';
import { timelineModel } from '../../../src/report/timeline/model.js';
import { timelineSvg } from '../../../src/report/timeline/svg.js';
import { PAUSE_CHAR, timelineLines } from '../../../src/report/timeline/text.js';

/** A run paused 60 s after its canary checks, then promoted. */
function pausedRun(): RunReport {
  return {
    command: 'sync-file',
    path: 'a.php',
    message: 'paused',
    status: 'success',
    exitCode: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 64_000,
    phases: [
      { name: 'sync-canaries', durationMs: 1_000, ok: 1, warning: 0, failed: 0, skipped: 0, notStarted: 0 },
      { name: 'check-canaries', durationMs: 1_000, ok: 1, warning: 0, failed: 0, skipped: 0, notStarted: 0 },
      { name: 'sync-hosts', durationMs: 2_000, ok: 2, warning: 0, failed: 0, skipped: 0, notStarted: 0 },
    ],
    hosts: [
      { host: 'canary1', phase: 'sync-canaries', outcome: 'ok', startMs: 0, durationMs: 1_000 },
      { host: 'app1', phase: 'sync-hosts', outcome: 'ok', startMs: 62_000, durationMs: 2_000 },
      { host: 'app2', phase: 'sync-hosts', outcome: 'ok', startMs: 62_000, durationMs: 1_500 },
    ],
    pauses: [
      { after: 'canaries', phase: 'check-canaries', startedAt: '2026-01-01T00:00:02.000Z', durationMs: 60_000, answer: 'promote', by: 'alice@deploy1 pid 42' },
    ],
  };
}

describe('the timeline of a paused run', () => {
  it('places the pause between its phase and the next, on the same axis', () => {
    const model = timelineModel(pausedRun());
    expect(model.pauses).toEqual([
      {
        after: 'canaries',
        phaseIndex: 1,
        startMs: 2_000,
        durationMs: 60_000,
        label: expect.stringMatching(/^paused after canaries at \d\d:\d\d:\d\d for 1m 00s: promoted by alice@deploy1 pid 42$/),
      },
    ]);
    expect(model.phases.map((phase) => [phase.name, phase.startMs])).toEqual([
      ['sync-canaries', 0],
      ['check-canaries', 1_000],
      ['sync-hosts', 62_000],
    ]);
  });

  it('draws it in text (a row of PAUSE_CHAR named paused, and who answered) and in SVG (a dashed box with its tooltip)', () => {
    const lines = timelineLines(timelineModel(pausedRun()), { width: 80 });
    const phases = lines.find((line) => line.startsWith('phases '));
    expect(phases).toMatch(new RegExp(`\\${PAUSE_CHAR}{5,}paused\\${PAUSE_CHAR}{5,}`));
    expect(lines).toContainEqual(expect.stringMatching(/^_ paused after canaries at .+: promoted by alice@deploy1 pid 42$/));
    const svg = timelineSvg(timelineModel(pausedRun()));
    expect(svg).toMatch(/<rect [^>]*class="pause"><title>paused after canaries at .+: promoted by alice@deploy1 pid 42<\/title><\/rect>/);
  });
});
