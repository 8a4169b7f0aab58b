import { describe, expect, it } from 'vitest';
import { createHumanReporter } from '../../src/report/human-reporter.js';
import { rollout } from '../../src/restart/rollout.js';
import { FakeFleet } from '../../src/transport/fake-fleet.js';
import { Capture } from '../run/fixture.js';

const ANSI = /\u001b\[/;

async function restartPhase(interactive: boolean, color: boolean): Promise<string> {
  const stream = new Capture();
  const { report, close } = createHumanReporter({ stream, interactive, color, statusEveryMs: 60, progressEveryMs: 10_000 });
  const fleet = new FakeFleet({ hosts: { slow: { execMs: 250 } }, defaults: { execMs: 5 } });
  report({ type: 'phase-start', phase: 'restart-hosts', hosts: 3 });
  await rollout({
    phase: 'restart-hosts',
    hosts: ['slow', 'a', 'b'],
    concurrency: 2,
    failureLimit: 0,
    task: async (host, context) => ({ outcome: 'ok', exitCode: (await fleet.exec(host, ['x'], { signal: context.signal })).exitCode }),
    onEvent: report,
  });
  report({ type: 'phase-end', phase: 'restart-hosts', durationMs: 250, counts: { total: 3, ok: 3, warning: 0, failed: 0, skipped: 0, notStarted: 0, running: 0, left: 0 }, notes: [] });
  close();
  return stream.text;
}

describe('human reporter', () => {
  it('in CI prints plain timestamped lines, no ANSI codes, and a live-status line while a host runs long', async () => {
    // Given no terminal / When a phase runs with one slow host
    const text = await restartPhase(false, false);
    // Then every line starts with a time, none has an escape code, and the status names the slow host and its time
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d /);
    expect(text).not.toMatch(ANSI);
    expect(text).toMatch(/restart-hosts: queued 0, running 1, retrying 0, ok 2, warn 0, failed 0; longest: slow 0\.\d\ds/);
    expect(lines.at(-2)).toMatch(/restart-hosts: 100% \(ok: 3; warn: 0; fail: 0; left: 0\)$/);
    expect(lines.at(-1)).toMatch(/Finished restart-hosts \(duration: 00m 00s\)$/);
  });

  it('on a terminal draws a spinner with the live status, in colour unless told not to', async () => {
    // Given a terminal with colour / When the same phase runs
    const text = await restartPhase(true, true);
    // Then the spinner redrew the status line, and lines are coloured
    expect(text).toMatch(/restart-hosts: queued \d, running \d/);
    expect(text).toMatch(ANSI);
    // And with NO_COLOR (color false) there is a spinner but no colour codes in the log lines
    const plain = await restartPhase(true, false);
    expect(plain).toMatch(/\n\d\d:\d\d:\d\d Finished restart-hosts/);
    expect(plain).not.toMatch(/\u001b\[3\dm/);
  });
});
