import { linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorCode } from '../lib/read-file.js';
import { temporaryName } from '../lib/temporary-name.js';
import { statusFilePath } from './status-file.js';

/**
 * How `deploy promote` and `deploy abort` talk to a paused run: the run publishes a token for
 * this pause in its live state (a new random one per pause); a request is a file named by that
 * token in the state folder beside the lock's journals and live state. Only the run paused with
 * that token ever takes it, so a request left by a run that ended (or a pause that ended) can
 * never be taken by a later run or a later pause.
 */

export type PauseAction = 'promote' | 'abort' | 'rollback';

export interface PauseRequest {
  /** The pause it is for (its token, from the live state). */
  token: string;
  /** This request, random: the run acknowledges it by this id in its live state. */
  id: string;
  action: PauseAction;
  /** Who asks: `user@host pid N`. */
  by: string;
  at: string;
}

/** A token or request id: hex only, so it is safe in a file name. */
export const isPauseToken = (text: unknown): text is string => typeof text === 'string' && /^[0-9a-f]{8,64}$/.test(text);

const ACTIONS: readonly string[] = ['promote', 'abort', 'rollback'];

/** `<lock_file>.journal/pause-<token>.request`, beside the live state. */
export function pauseRequestPath(lockFile: string, token: string): string {
  if (!isPauseToken(token)) throw new Error(`not a pause token: ${JSON.stringify(token)}`);
  return join(dirname(statusFilePath(lockFile)), `pause-${token}.request`);
}

/**
 * Put the request in place at once and whole (a complete file hard-linked to its name),
 * owner-only. `busy` when a request for this pause is there already (another deployer's).
 */
export function writePauseRequest(path: string, request: PauseRequest): 'written' | 'busy' {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = temporaryName(path);
  writeFileSync(temporary, `${JSON.stringify(request)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return 'written';
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return 'busy';
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function parseRequest(text: string, token: string): PauseRequest | undefined {
  try {
    const request = JSON.parse(text) as Partial<PauseRequest> | null;
    if (request?.token !== token || !isPauseToken(request.id) || !ACTIONS.includes(request.action ?? '')) return undefined;
    return { token, id: request.id, action: request.action as PauseAction, by: String(request.by ?? 'unknown'), at: String(request.at ?? '') };
  } catch {
    return undefined;
  }
}

/**
 * The paused run takes the request for its pause, if there is one: read, then removed. One that
 * does not parse (or names another pause) is removed and told to `warn`.
 */
export function takePauseRequest(path: string, token: string, warn: (text: string) => void): PauseRequest | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') warn(`cannot read the pause request ${path}: ${errorCode(error)}`);
    return undefined;
  }
  rmSync(path, { force: true });
  const request = parseRequest(text, token);
  if (request === undefined) warn(`ignored a damaged pause request ${path}`);
  return request;
}

/** Remove a request if it is still there and still this one (its id): nothing is left for anyone to take. */
export function withdrawPauseRequest(path: string, id?: string): void {
  try {
    if (id !== undefined && !readFileSync(path, 'utf8').includes(`"id":"${id}"`)) return;
    unlinkSync(path);
  } catch {
    // gone already: taken, or withdrawn
  }
}
