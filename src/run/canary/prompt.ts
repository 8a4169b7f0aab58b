import { createInterface } from 'node:readline';
import type { CanaryFailureAnswer, CanaryFailureAsker } from '../prepare/deploy-options.js';

/** The question, exactly as SPEC.md gives it. */
export const CANARY_QUESTION = 'Canary checks failed: [r]etry checks, [i]gnore and continue, roll [b]ack, e[x]it without rollback';

/** The question when a stage's checks failed: the same choices. */
export function stageQuestion(stage: string): string {
  return CANARY_QUESTION.replace(/^Canary checks/, `Checks of stage ${stage}`);
}

const KEYS: Record<CanaryFailureAnswer, string> = { retry: 'r', ignore: 'i', rollback: 'b', abort: 'x' };
const WORDS: Record<string, CanaryFailureAnswer> = {
  retry: 'retry',
  ignore: 'ignore',
  continue: 'ignore',
  rollback: 'rollback',
  back: 'rollback',
  'roll back': 'rollback',
  exit: 'abort',
  abort: 'abort',
};

/** An answer typed at the question: a key (r, i, b, x) or its word; empty is the default; anything else undefined. */
export function parseAnswer(line: string, defaultAnswer: CanaryFailureAnswer): CanaryFailureAnswer | undefined {
  const typed = line.trim().toLowerCase();
  if (typed === '') return defaultAnswer;
  return (Object.keys(KEYS) as CanaryFailureAnswer[]).find((answer) => KEYS[answer] === typed) ?? WORDS[typed];
}

/**
 * Asks on a terminal, reading one line per question from `input` (not in raw mode: Ctrl-C
 * stays a signal the run handles as an interrupt, which aborts `signal` and ends the
 * question). Asks again after an answer it does not know; end of input takes the default.
 */
export function canaryPrompt(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): CanaryFailureAsker {
  return (defaultAnswer, signal, stage) =>
    new Promise<CanaryFailureAnswer>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const lines = createInterface({ input, terminal: false });
      let done = false;
      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        lines.close();
        settle();
      };
      const onAbort = (): void => {
        output.write('\n');
        finish(() => reject(signal.reason));
      };
      const question = stage === undefined ? CANARY_QUESTION : stageQuestion(stage);
      const ask = (): void => void output.write(`${question} (default: ${KEYS[defaultAnswer]}) `);
      lines.on('line', (line) => {
        const answer = parseAnswer(line, defaultAnswer);
        if (answer !== undefined) finish(() => resolve(answer));
        else {
          output.write(`Please answer r, i, b or x (Enter: ${KEYS[defaultAnswer]}).\n`);
          ask();
        }
      });
      lines.on('close', () => finish(() => resolve(defaultAnswer)));
      signal.addEventListener('abort', onAbort, { once: true });
      ask();
    });
}
