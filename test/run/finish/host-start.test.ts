import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readHistory } from '../../../src/state/history-file.js';
import { renderTimeline } from '../../../src/report/timeline/index.js';
import { buildRunReport } from '../../../src/run/finish/run-report.js';
import { syncFile } from '../../../src/services/sync-file.js';
import { stepFixture, type StepFixture } from '../fixture.js';

const TARGETS = ['mw01', 'mw02', 'mw03', 'mw04'];
let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

interface JsonHost {
  host: string;
  phase: string;
  outcome: string;
  startMs?: number;
  durationMs?: number;
}

describe('a run records when each host started', () => {
  it('gives every host that ran a whole-ms startMs from the run start, in phase order, in the report and the history', async () => {
    // Given a canary and three hosts whose restarts take a little while, and one host whose write fails
    fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01'], failure_limit: 2 }, { defaults: { execMs: 30 }, hosts: { mw03: { failWrite: true } } });
    // When the file is synced with --json
    await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    const report = JSON.parse(fixture.stdout.text) as { durationMs: number; hosts: JsonHost[] };
    // Then every host that ran has an integer startMs within the run, and one that did not has none
    for (const host of report.hosts) {
      if (host.outcome === 'skipped' || host.outcome === 'not-started') {
        expect(host, `${host.host} ${host.phase}`).not.toHaveProperty('startMs');
        continue;
      }
      expect(Number.isInteger(host.startMs), `${host.host} ${host.phase}: ${host.startMs}`).toBe(true);
      expect(host.startMs).toBeGreaterThanOrEqual(0);
      expect((host.startMs as number) + (host.durationMs as number)).toBeLessThanOrEqual(report.durationMs + 2);
    }
    // And a host's restart starts after its sync ended, and the canary's before any other host's
    const at = (host: string, phase: string) => report.hosts.find((h) => h.host === host && h.phase === phase) as JsonHost;
    const sync = at('mw02', 'sync-hosts');
    expect(at('mw02', 'restart-hosts').startMs).toBeGreaterThanOrEqual((sync.startMs as number) + (sync.durationMs as number) - 1);
    expect(at('mw01', 'restart-canaries').startMs).toBeLessThan(at('mw02', 'sync-hosts').startMs as number);
    expect(at('mw03', 'restart-hosts')).toMatchObject({ outcome: 'skipped' });
    // And the history entry has the same starts, so `deploy history <id> --timeline` can draw it
    const [entry] = readHistory(join(fixture.dir, 'history.jsonl'), (text) => expect.fail(text));
    expect(entry?.hosts.map((h) => h.startMs)).toEqual(report.hosts.map((h) => h.startMs));
    const text = renderTimeline(entry as NonNullable<typeof entry>, { format: 'text', width: 60 });
    expect(text).toMatch(/^mw03 .*F/m);
    expect(text).not.toContain('host starts not recorded');
  });
});

describe('the JSON report of host starts', () => {
  it('rounds startMs to whole milliseconds, and leaves it out where the engine gave none', () => {
    // Given an execution whose engine clock had fractions, and a host that never started
    const phase = { name: 'sync-hosts' as const, kind: 'sync' as const, hosts: ['a', 'b'], skip: new Map<string, string>(), concurrency: 1, failureLimit: 0 };
    const execution = {
      phases: [
        {
          phase,
          reached: true,
          durationMs: 40.6,
          checks: [],
          results: [
            { host: 'a', phase: 'sync-hosts', outcome: 'ok' as const, startMs: 12.5001, durationMs: 20.4 },
            { host: 'b', phase: 'sync-hosts', outcome: 'not-started' as const, error: 'run interrupted' },
          ],
        },
      ],
    };
    // When the report is built
    const report = buildRunReport({ command: 'sync-file', message: 'm', startedAt: new Date(0), durationMs: 50, execution, interrupted: false });
    // Then a's start is whole, and b has no startMs key at all
    expect(report.hosts[0]).toMatchObject({ startMs: 13, durationMs: 20 });
    expect(report.hosts[1]).not.toHaveProperty('startMs');
  });
});
