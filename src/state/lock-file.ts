import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';
import { LockHeldError, UserError } from '../errors.js';
import { errorCode, readTextIfExists } from '../lib/read-file.js';

export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  command: string;
  startedAt: string;
}

export interface HeldLock {
  path: string;
  release(): void;
}

export function currentHolder(command: string): LockHolder {
  return { user: userInfo().username, host: hostname(), pid: process.pid, command, startedAt: new Date().toISOString() };
}

export function describeHolder(holder: LockHolder): string {
  return `${holder.user}@${holder.host} pid ${holder.pid} running "${holder.command}" since ${holder.startedAt}`;
}

/** True when `pid` is a live process on this machine (a zombie awaiting its reaper is not). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function readLockHolder(path: string): LockHolder | undefined {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    throw new UserError(`lock_file: cannot read ${path}: ${errorCode(error)}`);
  }
  if (text === undefined) return undefined;
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.pid === 'number' && typeof holder.host === 'string') return holder;
  } catch {
    // fall through
  }
  throw new LockHeldError(`lock ${path} exists but does not say who holds it`, 'if no deploy is running, remove it with `deploy unlock --force`');
}

/** True when the holder ran on this machine and its process is gone. */
export function isStale(holder: LockHolder): boolean {
  return holder.host === hostname() && !isProcessAlive(holder.pid);
}

/**
 * Take the lock for the whole run. A lock held by a live deploy is exit 3 naming its holder;
 * one whose holder process is gone on this machine is taken over (`onTakeover` says so).
 */
export function acquireLock(path: string, holder: LockHolder, onTakeover: (previous: LockHolder) => void): HeldLock {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new UserError(`lock_file: cannot create the folder of ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new UserError(`lock_file: cannot create ${path}: ${code}`);
      const previous = readLockHolder(path);
      if (previous === undefined) continue;
      if (!isStale(previous)) {
        throw new LockHeldError(`another deploy holds the lock ${path}: ${describeHolder(previous)}`, 'wait for it to finish; `deploy lock` shows the holder');
      }
      onTakeover(previous);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      release: () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      },
    };
  }
  throw new LockHeldError(`could not take the lock ${path}: another deploy keeps taking it`);
}
