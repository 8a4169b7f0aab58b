import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanaryFailureAnswer, CanaryFailureAsker } from '../../../src/run/prepare/deploy-options.js';
import { CANARY_QUESTION, canaryPrompt, parseAnswer } from '../../../src/run/canary/prompt.js';
import { syncFile } from '../../../src/services/sync-file.js';
import { Capture, stepFixture, type StepFixture } from '../fixture.js';

const TARGETS = ['mw01', 'mw02', 'mw03'];
const DEST = '/srv/mediawiki/php/index.php';
const OLD = Buffer.from('<?php echo 0;\n');

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

/** An asker that answers from a list and records the defaults it was offered. */
function answering(...answers: CanaryFailureAnswer[]): CanaryFailureAsker & { offered: string[] } {
  const offered: string[] = [];
  const ask = async (defaultAnswer: CanaryFailureAnswer): Promise<CanaryFailureAnswer> => {
    offered.push(defaultAnswer);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('asked more often than expected');
    return answer;
  };
  return Object.assign(ask, { offered });
}

/** Given a fleet whose canary mw01 had an old file, and a check (failing unless given). */
async function onTerminal(config: Record<string, unknown> = {}): Promise<void> {
  fixture = await stepFixture({ targets: TARGETS, canaries: ['mw01'], canary_checks: ['echo "error rate 12%" >&2; exit 1'], ...config });
  fixture.fleet.files.set('mw01', new Map([[DEST, { content: OLD, mode: 0o100644 }]]));
  Object.assign(fixture.stdout, { isTTY: true });
}

/** Run sync-file as on a terminal (stdin and stdout TTYs, no CI) with the asker. */
const run = (ask: CanaryFailureAsker, extra: Record<string, unknown> = {}) =>
  syncFile({
    ...fixture.options({ env: {}, stdin: Object.assign(new PassThrough(), { isTTY: true }), askOnCanaryFailure: ask, ...extra }),
    path: 'php/index.php',
  });

describe('failed canary checks on a terminal: the deployer is asked', () => {
  it('b rolls back; the configured action is offered as the default', async () => {
    await onTerminal();
    const ask = answering('rollback');
    // When the checks fail and the deployer answers b
    const code = await run(ask);
    // Then the canary is rolled back
    expect(ask.offered).toEqual(['rollback']);
    expect(code).toBe(1);
    expect(fixture.fleet.files.get('mw01')?.get(DEST)?.content.equals(OLD)).toBe(true);
    expect(fixture.stdout.text).toMatch(/Rolled back php\/index.php on 1 host: canary checks failed/);
  });

  it('x exits without rollback, even when the configured action is rollback', async () => {
    await onTerminal();
    const ask = answering('abort');
    // When the deployer answers x
    const code = await run(ask);
    // Then the run is aborted and the canary keeps the new file
    expect(code).toBe(1);
    expect(fixture.fleet.files.get('mw01')?.get(DEST)?.content.toString()).toBe('<?php echo 1;\n');
    expect(fixture.stdout.text).toMatch(/Aborted sync-file php\/index.php: canary checks failed; mw01 keeps the new php\/index.php/);
  });

  it('i goes on to the other hosts as if the checks passed, with a warning; status warnings, exit 0', async () => {
    // Given canary_failure_action abort (offered as the default)
    await onTerminal({ canary_failure_action: 'abort' });
    const ask = answering('ignore');
    // When the deployer answers i
    const code = await run(ask);
    // Then every host got the file, a warning says the checks were ignored, and the run ends with warnings
    expect(ask.offered).toEqual(['abort']);
    expect(code).toBe(0);
    for (const host of TARGETS) expect(fixture.fleet.files.get(host)?.get(DEST)?.content.toString()).toBe('<?php echo 1;\n');
    expect(fixture.stdout.text).toMatch(/Warning: canary checks failed, ignored as asked/);
    expect(fixture.stdout.text).toMatch(/Synchronized php\/index.php: test deploy/);
  });

  it('r runs the checks again: asked again while they fail, on to the other hosts once they pass', async () => {
    // Given a check that fails twice, then passes
    await onTerminal({ canary_checks: ['n=$(cat tries 2>/dev/null || echo 0); echo $((n+1)) > tries; [ "$n" -ge 2 ]'] });
    const ask = answering('retry', 'retry');
    // When the deployer answers r twice
    const code = await run(ask);
    // Then the checks ran three times, the third passed, and the run went on and succeeded
    expect(ask.offered.length).toBe(2);
    expect(code).toBe(0);
    expect(fixture.stdout.text.match(/Running the canary checks again/g)?.length).toBe(2);
    expect(fixture.fleet.files.get('mw03')?.get(DEST)?.content.toString()).toBe('<?php echo 1;\n');
  });

  it('Ctrl-C during the question interrupts the run as usual: exit 130, no rollback', async () => {
    await onTerminal();
    // Given a deployer who presses Ctrl-C while asked (SIGINT reaches the run)
    const ask: CanaryFailureAsker = (_default, signal) => {
      setTimeout(() => fixture.signals.emit('SIGINT', 'SIGINT'), 10);
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    };
    // When the checks fail
    const code = await run(ask);
    // Then the run is interrupted: exit 130, the canary keeps the new file, no other host was touched
    expect(code).toBe(130);
    expect(fixture.fleet.files.get('mw01')?.get(DEST)?.content.toString()).toBe('<?php echo 1;\n');
    expect(fixture.fleet.touched()).toEqual(['mw01']);
    expect(fixture.stdout.text).toMatch(/Interrupted sync-file php\/index.php/);
  });

  it('is never asked in CI, with --json, or without a terminal', async () => {
    await onTerminal();
    const ask = answering();
    // When run in CI, with --json, and with stdin not a terminal
    await run(ask, { env: { CI: 'true' } });
    await run(ask, { json: true });
    await run(ask, { stdin: new PassThrough() });
    // Then nobody was asked (each time the configured rollback was taken)
    expect(ask.offered).toEqual([]);
    expect(fixture.stdout.text.match(/Rolled back php\/index.php/g)?.length).toBe(2);
  });
});

describe('the terminal prompt', () => {
  it('takes keys and words, the default on Enter, and nothing else', () => {
    expect(['r', 'I', ' b ', 'x', 'retry', 'exit', ''].map((line) => parseAnswer(line, 'abort'))).toEqual([
      'retry',
      'ignore',
      'rollback',
      'abort',
      'retry',
      'abort',
      'abort',
    ]);
    expect(parseAnswer('yes', 'rollback')).toBeUndefined();
  });

  it('asks the question exactly, again after an unknown answer, and resolves with the answer', async () => {
    // Given a prompt on a pipe
    const input = new PassThrough();
    const output = new Capture();
    const asked = canaryPrompt(input, output)('rollback', new AbortController().signal);
    // When the deployer types "maybe", then "x"
    input.write('maybe\n');
    input.write('x\n');
    // Then the answer is abort, after the question was asked twice
    await expect(asked).resolves.toBe('abort');
    expect(output.text.split(CANARY_QUESTION).length - 1).toBe(2);
    expect(output.text).toMatch(/^Canary checks failed: \[r\]etry checks, \[i\]gnore and continue, roll \[b\]ack, e\[x\]it without rollback \(default: b\) /);
  });

  it('names the stage whose checks failed, with the same choices', async () => {
    // Given the question about stage two's checks
    const input = new PassThrough();
    const output = new Capture();
    const asked = canaryPrompt(input, output)('abort', new AbortController().signal, 'two');
    // When the deployer types "b"
    input.write('b\n');
    // Then the answer is rollback, and the question named the stage
    await expect(asked).resolves.toBe('rollback');
    expect(output.text).toBe('Checks of stage two failed: [r]etry checks, [i]gnore and continue, roll [b]ack, e[x]it without rollback (default: x) ');
  });

  it('takes the default at end of input, and gives up when interrupted', async () => {
    const ended = new PassThrough();
    const atEnd = canaryPrompt(ended, new Capture())('abort', new AbortController().signal);
    ended.end();
    await expect(atEnd).resolves.toBe('abort');
    // Given a question waiting for an answer, When the run is interrupted, Then the question rejects
    const interrupt = new AbortController();
    const waiting = canaryPrompt(new PassThrough(), new Capture())('rollback', interrupt.signal);
    interrupt.abort(new Error('SIGINT received'));
    await expect(waiting).rejects.toThrow('SIGINT received');
  });
});
