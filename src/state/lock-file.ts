import { linkSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockHeldError, UserError } from '../errors.js';
import { errorCode, readTextIfExists } from '../lib/read-file.js';
import { temporaryName } from '../lib/temporary-name.js';
import { describeHolder, isStale, parseHolder, sameHolder, type LockHolder } from './lock-holder.js';
import { takeOverStaleLock } from './lock-takeover.js';

export interface HeldLock {
  path: string;
  /** Remove the lock if it is still ours (never one another process holds). */
  release(): void;
}

/** How many times a taker looks again while another process is taking over a stale lock. */
const BUSY_RETRIES = 100;
const BUSY_WAIT_MS = 20;

export function readLockHolder(path: string): LockHolder | undefined {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    // The lock is owner-only: another user's run holds one this user may not read.
    if (errorCode(error) === 'EACCES')
      throw new LockHeldError(
        `another user's deploy may hold the lock ${path}: it cannot be read (EACCES)`,
        'if no deploy is running, its owner (or root) can remove it with `deploy unlock`',
      );
    throw new UserError(`lock_file: cannot read ${path}: ${errorCode(error)}`);
  }
  if (text === undefined) return undefined;
  const holder = parseHolder(text);
  if (holder !== undefined) return holder;
  throw new LockHeldError(`lock ${path} exists but does not say who holds it`, 'if no deploy is running, remove it with `deploy unlock --force`');
}

/** The lock's folder must exist (SPEC): creating it would let a typo in lock_file defeat the lock. */
function checkFolder(path: string): void {
  const folder = dirname(path);
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch (error) {
    const reason = errorCode(error) === 'ENOENT' ? 'does not exist' : `cannot be used: ${errorCode(error)}`;
    throw new UserError(`lock_file: the folder ${folder} of ${path} ${reason}`, 'create that folder, or set lock_file to a path in an existing folder');
  }
  if (!isFolder) throw new UserError(`lock_file: ${folder} (the folder of ${path}) is not a folder`);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function heldLock(path: string, holder: LockHolder): HeldLock {
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      try {
        const current = parseHolder(readTextIfExists(path) ?? '');
        if (current !== undefined && sameHolder(current, holder)) unlinkSync(path);
      } catch {
        // unreadable or already gone: not ours to remove any more
      }
    },
  };
}

/**
 * Take the lock for the whole run. A lock held by a live deploy is exit 3 naming its holder;
 * one whose holder process is gone on this machine is taken over (`onTakeover` says so).
 *
 * The lock file appears with its whole content at once (a complete file in the same folder,
 * hard-linked to the lock's name: EEXIST means held), so a reader never sees it empty, and a
 * stale lock is removed only under a guard and only if it still names the stale holder
 * (src/state/lock-takeover.ts), so two takers never both hold it. Owner-only (0600).
 */
export function acquireLock(path: string, holder: LockHolder, onTakeover: (previous: LockHolder) => void): HeldLock {
  checkFolder(path);
  const temporary = temporaryName(path);
  try {
    writeFileSync(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new UserError(`lock_file: cannot write in ${dirname(path)}: ${errorCode(error)}`);
  }
  let tookOver: LockHolder | undefined;
  try {
    for (let attempt = 0; attempt < BUSY_RETRIES; attempt++) {
      try {
        linkSync(temporary, path);
        if (tookOver !== undefined) onTakeover(tookOver);
        return heldLock(path, holder);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw new UserError(`lock_file: cannot create ${path}: ${errorCode(error)}`);
      }
      const previous = readLockHolder(path);
      if (previous === undefined) continue;
      if (!isStale(previous)) {
        throw new LockHeldError(`another deploy holds the lock ${path}: ${describeHolder(previous)}`, 'wait for it to finish; `deploy lock` shows the holder');
      }
      tookOver = previous;
      const taken = takeOverStaleLock(path, previous, holder);
      if (taken.outcome !== 'busy') continue;
      if (attempt === BUSY_RETRIES - 1) {
        const by = taken.by !== undefined ? `: ${describeHolder(taken.by)}` : '';
        throw new LockHeldError(`another deploy is taking over the stale lock ${path}${by}`, 'wait for it to finish; `deploy lock` shows the holder');
      }
      sleep(BUSY_WAIT_MS);
    }
  } finally {
    rmSync(temporary, { force: true });
  }
  throw new LockHeldError(`could not take the lock ${path}: another deploy keeps taking it`);
}
