import { formatSeconds } from '../lib/duration.js';
import { plural, visible } from '../lib/text.js';
import type { PauseReport, RunEvent } from '../model/run.js';
import { clock } from './format.js';

type PauseEvent = Extract<RunEvent, { type: 'paused' | 'pause-end' }>;

/** What is left after a pause, one phrase: `sync-hosts (9 hosts), restart-hosts (9 hosts)`. */
export function leftPhrase(left: ReadonlyArray<{ phase: string; hosts?: number }>): string {
  return left.map((next) => (next.hosts !== undefined ? `${next.phase} (${plural(next.hosts, 'host')})` : next.phase)).join(', ') || 'nothing';
}

/** The lines a pause prints when it starts and when it ends (the run's own screen). */
export function pauseLines(event: PauseEvent): Array<['warn' | 'plain', string]> {
  if (event.type === 'paused') {
    return [
      ['warn', `Paused after ${event.after}: deploy promote to go on, deploy abort to stop`],
      ['plain', `  the lock is kept; with no answer within ${formatSeconds(event.timeoutMs)} (pause_timeout) the run aborts; left: ${leftPhrase(event.left)}`],
    ];
  }
  const after = `after ${formatSeconds(event.durationMs)} paused`;
  const by = event.by !== undefined ? ` by ${event.by}` : '';
  switch (event.answer) {
    case 'promote':
      return [['plain', `Promoted${by} ${after}: going on`]];
    case 'abort':
      return [['warn', `deploy abort${by} ${after}: stopping here`]];
    case 'rollback':
      return [['warn', `deploy abort --rollback${by} ${after}: rolling back`]];
    case 'timeout':
      return [['warn', `pause_timeout passed: nobody promoted the run within ${formatSeconds(event.durationMs)}; aborting`]];
    default:
      return [];
  }
}

const ANSWERED: Record<PauseReport['answer'], string> = {
  promote: 'promoted',
  abort: 'aborted (deploy abort)',
  rollback: 'rolled back (deploy abort --rollback)',
  timeout: 'aborted: pause_timeout passed with no answer',
  interrupt: 'interrupted by a signal',
};

/** A recorded pause, one phrase: `paused after canaries at 11:28:09 for 1m 02s: promoted by alice@deploy1 pid 4242`. */
export function pauseSaid(pause: PauseReport): string {
  const by = pause.by !== undefined ? ` by ${pause.by}` : '';
  return visible(
    `paused after ${pause.after} at ${clock(new Date(pause.startedAt))} for ${formatSeconds(pause.durationMs)}: ${ANSWERED[pause.answer] ?? pause.answer}${by}`,
  );
}
