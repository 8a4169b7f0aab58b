import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../exit-codes.js';
import { lockBackend } from '../state/configured-lock.js';
import { isStale, type LockHolder } from '../state/lock-holder.js';
import { isPauseToken, pauseRequestPath, withdrawPauseRequest, writePauseRequest, type PauseAction } from '../state/pause-request.js';
import { isWriterAlive, readStatusFile, statusFilePath, type LiveState } from '../state/status-file.js';
import { loadAdminConfig, type AdminOptions } from './admin-options.js';

export interface PauseAnswerOptions extends AdminOptions {
  /** promote: go on; abort: stop there; rollback: stop and put back what the run changed. */
  action: PauseAction;
  /** How long to wait for the run to take the request (default 10 s; it looks every 100 ms). */
  timeoutMs?: number;
  pollMs?: number;
  stderr?: NodeJS.WritableStream;
}

export const NO_PAUSED_DEPLOY = 'no paused deploy';
const TAKE_TIMEOUT_MS = 10_000;

type Paused = LiveState & { paused: NonNullable<LiveState['paused']> };

/** The run that holds the lock, if it is paused right now: its live state names the pause's token. */
function pausedNow(holder: LockHolder | undefined, live: LiveState | undefined): Paused | undefined {
  if (holder === undefined || isStale(holder) || live === undefined || live.finished !== undefined || live.paused === undefined) return undefined;
  if (!isWriterAlive(live) || live.pid !== holder.pid || live.host !== holder.host || !isPauseToken(live.paused.token)) return undefined;
  return live as Paused;
}

const stillPaused = (live: LiveState | undefined, token: string): boolean =>
  live !== undefined && live.finished === undefined && live.paused?.token === token && isWriterAlive(live);

const DONE: Record<PauseAction, string> = {
  promote: 'it goes on',
  abort: 'it stops there (aborted)',
  rollback: 'it stops there and rolls back what it changed',
};
const VERB: Record<PauseAction, string> = { promote: 'Promoted', abort: 'Aborted', rollback: 'Aborted (with rollback)' };

/**
 * `deploy promote` / `deploy abort [--rollback]`: find the run that holds the lock (through the
 * same config layers as `deploy status`); if it is paused now, leave a request for that pause
 * and wait until the run says it took it (exit 0). With no run paused now, or when the pause
 * ends without taking the request, `no paused deploy`, exit 1, and no request is left behind.
 */
export async function answerPause(options: PauseAnswerOptions): Promise<number> {
  const config = loadAdminConfig(options);
  const out = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const warn = (text: string): void => void stderr.write(`Warning: ${text}\n`);
  const livePath = statusFilePath(config.lock_file);
  const paused = pausedNow(await lockBackend(config).holder(warn), readStatusFile(livePath, warn));
  if (paused === undefined) {
    out.write(`${NO_PAUSED_DEPLOY}\n`);
    return EXIT.failed;
  }
  const { token, after } = paused.paused;
  const who = `${paused.user}@${paused.host} pid ${paused.pid}: ${paused.command}${paused.path !== undefined ? ` ${paused.path}` : ''}`;
  const request = {
    token,
    id: randomBytes(8).toString('hex'),
    action: options.action,
    by: `${userInfo().username}@${hostname()} pid ${process.pid}`,
    at: new Date().toISOString(),
  };
  const path = pauseRequestPath(config.lock_file, token);
  if (writePauseRequest(path, request) === 'busy') {
    stderr.write(`Error: another deploy promote or abort is waiting for the deploy paused after ${after} (${who}); deploy status shows what it decided\n`);
    return EXIT.failed;
  }
  const deadline = Date.now() + (options.timeoutMs ?? TAKE_TIMEOUT_MS);
  for (;;) {
    await sleep(options.pollMs ?? 50);
    const live = readStatusFile(livePath, () => undefined);
    if (live?.answered?.request === request.id) {
      out.write(`${VERB[options.action]} the deploy paused after ${after} (${who}): ${DONE[options.action]}\n`);
      return EXIT.ok;
    }
    if (!stillPaused(live, token)) {
      // The pause ended some other way (timeout, a signal, another answer) before taking this request.
      withdrawPauseRequest(path, request.id);
      out.write(`${NO_PAUSED_DEPLOY} (the deploy paused after ${after} went on or stopped before taking the request)\n`);
      return EXIT.failed;
    }
    if (Date.now() > deadline) {
      withdrawPauseRequest(path, request.id);
      stderr.write(
        `Error: the deploy paused after ${after} (${who}) did not take the request within ${(options.timeoutMs ?? TAKE_TIMEOUT_MS) / 1000}s; nothing was changed\n`,
      );
      return EXIT.failed;
    }
  }
}
