import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/** What a lock file (or a takeover guard) says about the process holding it. */
export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  command: string;
  startedAt: string;
  /**
   * Random, written by the holder: with pid and startedAt it tells this holder from any other
   * (a reused pid included). Locks written by older versions have none.
   */
  nonce?: string;
}

export function currentHolder(command: string): LockHolder {
  return { user: userInfo().username, host: hostname(), pid: process.pid, command, startedAt: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
}

export function describeHolder(holder: LockHolder): string {
  return `${holder.user}@${holder.host} pid ${holder.pid} running "${holder.command}" since ${holder.startedAt}`;
}

/** The holder a lock file's text names, or undefined when it names none. */
export function parseHolder(text: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(text) as LockHolder | null;
    if (typeof holder?.pid === 'number' && typeof holder.host === 'string') return holder;
  } catch {
    // not JSON: names no holder
  }
  return undefined;
}

/** True when both name the same holder: same host, pid, start and nonce. */
export function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.host === b.host && a.pid === b.pid && a.startedAt === b.startedAt && a.nonce === b.nonce;
}

/**
 * True when `pid` is a live process on this machine (a zombie awaiting its reaper is not).
 * EPERM means it exists but belongs to someone else: alive.
 */
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

/** True when the holder ran on this machine and its process is gone. */
export function isStale(holder: LockHolder): boolean {
  return holder.host === hostname() && !isProcessAlive(holder.pid);
}
