import ora from 'ora';
import { describe, expect, it } from 'vitest';
import { createHumanReporter } from '../../src/report/human-reporter.js';
import { terminalMode } from '../../src/report/terminal.js';
import { rollout } from '../../src/rollout/rollout.js';
import { FakeFleet } from '../../testing/fake-fleet.js';
import { Capture } from '../run/fixture.js';

const ANSI = /\u001b\[/;

/** A terminal-like capture: a TTY of the given width. */
function terminal(columns: number): Capture {
  const stream = new Capture();
  const escape = (code: string) => () => stream.write(`\u001b[${code}`);
  return Object.assign(stream, { isTTY: true, columns, cursorTo: escape('G'), moveCursor: escape('1A'), clearLine: escape('2K') });
}

async function restartPhase(interactive: boolean, color: boolean, stream: Capture = terminal(80)): Promise<string> {
  const { report, close } = createHumanReporter({ stream, interactive, color, ora, statusEveryMs: 60, progressEveryMs: 10_000 });
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
  report({
    type: 'phase-end',
    phase: 'restart-hosts',
    durationMs: 250,
    counts: { total: 3, ok: 3, warning: 0, failed: 0, skipped: 0, notStarted: 0, running: 0, left: 0 },
    notes: [],
  });
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
    // And the spinner glyph itself is not coloured either
    expect(plain).not.toMatch(/\u001b\[36m/);
  });
});

describe('terminal mode', () => {
  it('spins only on a terminal of known, non-zero width outside CI, and colours only without NO_COLOR', () => {
    // Given streams and environments / When the mode is chosen / Then:
    expect(terminalMode({ isTTY: true, columns: 80 }, {})).toEqual({ interactive: true, color: true });
    expect(terminalMode({ isTTY: true, columns: 0 }, {})).toEqual({ interactive: false, color: false });
    expect(terminalMode({ isTTY: true }, {})).toEqual({ interactive: false, color: false });
    expect(terminalMode({ isTTY: false, columns: 80 }, {})).toEqual({ interactive: false, color: false });
    expect(terminalMode({ isTTY: true, columns: 80 }, { CI: 'true' })).toEqual({ interactive: false, color: false });
    expect(terminalMode({ isTTY: true, columns: 80 }, { CI: 'false' })).toEqual({ interactive: true, color: true });
    expect(terminalMode({ isTTY: true, columns: 80 }, { CI: '' })).toEqual({ interactive: true, color: true });
    expect(terminalMode({ isTTY: true, columns: 80 }, { NO_COLOR: '1' })).toEqual({ interactive: true, color: false });
    expect(terminalMode({ isTTY: true, columns: 80 }, { NO_COLOR: '' })).toEqual({ interactive: true, color: true });
  });

  it('falls back to plain lines when the terminal shrinks to 0 columns mid-run, and the run still ends', async () => {
    // Given a terminal that loses its width while a slow host runs
    const stream = terminal(80);
    setTimeout(() => Object.assign(stream, { columns: 0 }), 20);
    // When the phase runs
    const text = await restartPhase(true, false, stream);
    // Then it finished, and after the fallback lines are plain
    expect(text).toMatch(/Finished restart-hosts/);
    expect(text.length).toBeLessThan(20_000);
  });
});

describe('output from hosts', () => {
  it('shows control characters visibly: no escape byte or bare CR reaches the terminal', () => {
    // Given a restart warning whose output clears the screen, sets the title, writes the clipboard and hides text behind a CR
    const stream = new Capture();
    const { report, close } = createHumanReporter({ stream, interactive: false, color: false });
    report({
      type: 'restart-warning',
      host: 'mw01',
      command: 'restart',
      exitCode: 1,
      stdout: 'a\x1b[2Jb\x1b]0;title\x07',
      stderr: 'c\x1b]52;c;ZXZpbA==\x07\rhidden',
    });
    report({ type: 'host-end', phase: 'p', result: { host: 'mw02', phase: 'p', outcome: 'failed', error: 'lost\x1b[31m' } });
    report({ type: 'check-result', command: 'check', ok: false, detail: 'exit status 2: bad\x1b[0m', exitCode: 2, output: 'bad\x1b[0m' });
    close();
    // When printed / Then only newlines remain as control characters, and the escapes are shown as \xNN
    expect(stream.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(stream.text).toContain('a\\x1b[2Jb\\x1b]0;title\\x07');
    expect(stream.text).toContain('\\x0dhidden');
    expect(stream.text).toContain('mw02 failed in p: lost\\x1b[31m');
  });
});
