import { afterEach, describe, expect, it } from 'vitest';
import { phpFpmRestart } from '../../../src/services/php-fpm-restart.js';
import { type StepFixture, stepFixture } from '../fixture.js';

/** A spinner's frame redrawn in place: a carriage return or cursor move, then a braille dot of ora's default spinner. */
const SPINNER = /[\r\u001b][^\n]*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let fixture: StepFixture;
afterEach(async () => fixture.cleanup());

describe("a run's screen output", () => {
  it('spins on a terminal (the spinner loaded for it), and prints plain lines in CI', async () => {
    // Given a fleet whose hosts take a moment to restart
    fixture = await stepFixture({ targets: ['mw01', 'mw02'], canaries: [] }, { defaults: { execMs: 400 } });
    // When php-fpm is restarted on a terminal of 80 columns, outside CI
    const escape = (code: string) => () => fixture.stdout.write(`\u001b[${code}`);
    Object.assign(fixture.stdout, { isTTY: true, columns: 80, cursorTo: escape('G'), moveCursor: escape('1A'), clearLine: escape('2K') });
    expect(await phpFpmRestart(fixture.options({ env: {} }))).toBe(0);
    // Then the live status was drawn by a spinner
    expect(fixture.stdout.text).toMatch(SPINNER);
    // And in CI, the same run prints no spinner
    const onTerminal = fixture.stdout.text.length;
    expect(await phpFpmRestart(fixture.options({ env: { CI: '1' } }))).toBe(0);
    expect(fixture.stdout.text.slice(onTerminal)).not.toMatch(SPINNER);
    expect(fixture.stdout.text.slice(onTerminal)).toMatch(/Finished php-fpm-restart/);
  });
});
