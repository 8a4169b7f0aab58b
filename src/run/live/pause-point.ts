import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PauseAnswer, PauseWait, Reporter } from '../../model/run.js';
import { pauseRequestPath, takePauseRequest, withdrawPauseRequest } from '../../state/pause-request.js';

/** How often a paused run looks for a request: well within the second it has to act. */
export const PAUSE_POLL_MS = 100;

export interface PausePointOptions {
  /** The run's lock_file: requests live in the state folder beside it. */
  lockFile: string;
  /** pause_timeout: with no answer by then, the run aborts. */
  timeoutMs: number;
  report: Reporter;
  warn: (text: string) => void;
  /** The run's first interrupt: Ctrl-C while paused interrupts as always. */
  stop: AbortSignal;
  pollMs?: number;
}

/**
 * Pause the run (it keeps the lock): publish the pause with a new token, then look for a
 * request naming that token every `pollMs` until one comes (`deploy promote`, `deploy abort
 * [--rollback]`), pause_timeout passes, or a signal interrupts. The request taken is
 * acknowledged in the live state (the requester waits for its id there); on every path no
 * request for this pause is left behind.
 */
export function pausePoint(options: PausePointOptions): PauseWait {
  const pollMs = options.pollMs ?? PAUSE_POLL_MS;
  return async ({ stage, phase, left }) => {
    const token = randomBytes(8).toString('hex');
    const path = pauseRequestPath(options.lockFile, token);
    const startedAt = new Date();
    const started = performance.now();
    options.report({ type: 'paused', after: stage, phase, token, timeoutMs: options.timeoutMs, left });
    let answer: PauseAnswer | undefined;
    let by: string | undefined;
    let request: string | undefined;
    try {
      while (answer === undefined) {
        if (options.stop.aborted) {
          answer = 'interrupt';
          break;
        }
        const taken = takePauseRequest(path, token, options.warn);
        if (taken !== undefined) {
          ({ action: answer, by, id: request } = taken);
          break;
        }
        const wait = Math.min(pollMs, started + options.timeoutMs - performance.now());
        if (wait <= 0) answer = 'timeout';
        else await sleep(wait, undefined, { signal: options.stop }).catch(() => undefined);
      }
    } finally {
      withdrawPauseRequest(path);
    }
    const durationMs = performance.now() - started;
    options.report({
      type: 'pause-end',
      after: stage,
      token,
      answer,
      durationMs,
      ...(by !== undefined ? { by } : {}),
      ...(request !== undefined ? { request } : {}),
    });
    return { answer, startedAt, durationMs, ...(by !== undefined ? { by } : {}) };
  };
}
