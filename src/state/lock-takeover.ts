import { createHash } from 'node:crypto';
import { linkSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { errorCode, readTextIfExists } from '../lib/read-file.js';
import { temporaryName } from '../lib/temporary-name.js';
import { isStale, parseHolder, sameHolder, type LockHolder } from './lock-holder.js';

/** What a takeover attempt did: removed the stale lock, found it changed, or found another process at it. */
export type TakeoverOutcome = { outcome: 'removed' } | { outcome: 'changed' } | { outcome: 'busy'; by: LockHolder | undefined };

/** How many guards of dead takers a takeover walks past before it gives up. */
const MAX_GUARDS = 32;

/** The name of the guard that follows `previous` (a stale holder's or a dead guard's text). */
function guardName(lockPath: string, previous: string): string {
  return `${lockPath}.takeover-${createHash('sha256').update(previous).digest('hex').slice(0, 16)}`;
}

function holderText(holder: LockHolder): string {
  return `${JSON.stringify(holder)}\n`;
}

/**
 * Remove the lock at `lockPath` if, and only if, it still names the stale holder `stale`, so
 * that of several processes taking over one stale lock at once, none ever removes a lock
 * another has just created.
 *
 * Who may look and remove is decided by a guard: a file whose name derives from the stale
 * holder, created exclusively (link(2) of a complete file naming `me`), so at most one process
 * holds it. Under the guard the lock is read again and removed only if it is still `stale`.
 *
 * A guard whose holder died (crashed mid-takeover) is never removed while the stale lock may
 * still be there: the next guard's name derives from the dead guard's content, so every taker
 * walks the same chain and at most one live process holds its last link. Guards are removed
 * only after their holder's check: by then the stale lock is gone for good (a dead process
 * cannot take it again), so later guard holders find it changed and do nothing.
 */
export function takeOverStaleLock(lockPath: string, stale: LockHolder, me: LockHolder): TakeoverOutcome {
  const staleText = holderText(stale);
  const mine = temporaryName(lockPath);
  try {
    writeFileSync(mine, holderText(me), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new UserError(`lock_file: cannot write beside ${lockPath}: ${errorCode(error)}`);
  }
  const walked: string[] = [];
  let checked = false;
  try {
    let name = guardName(lockPath, staleText);
    for (let step = 0; step < MAX_GUARDS * 4 && walked.length < MAX_GUARDS; step++) {
      try {
        linkSync(mine, name);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw new UserError(`lock_file: cannot create ${name}: ${errorCode(error)}`);
        const text = readTextIfExists(name);
        if (text === undefined) continue; // its holder is done with it: try that name again
        const owner = parseHolder(text);
        if (owner !== undefined && !isStale(owner)) return { outcome: 'busy', by: owner };
        walked.push(name);
        name = guardName(lockPath, text);
        continue;
      }
      walked.push(name);
      const current = parseHolder(readTextIfExists(lockPath) ?? '');
      if (current !== undefined && sameHolder(current, stale)) unlinkSync(lockPath);
      checked = true;
      return { outcome: current !== undefined && sameHolder(current, stale) ? 'removed' : 'changed' };
    }
    return { outcome: 'busy', by: undefined };
  } finally {
    rmSync(mine, { force: true });
    // Only once our look at the lock is over (the stale lock is gone for good), never while
    // a live process may hold a later guard of the chain.
    if (checked) for (const name of walked) removeGuardIfDeadOrMine(name, me);
  }
}

/** Remove a guard that names `me` or a dead holder; never one of a live process. */
function removeGuardIfDeadOrMine(name: string, me: LockHolder): void {
  try {
    const owner = parseHolder(readTextIfExists(name) ?? '');
    if (owner === undefined || sameHolder(owner, me) || isStale(owner)) rmSync(name, { force: true });
  } catch {
    // a guard left behind costs nothing: the next taker walks past it
  }
}
