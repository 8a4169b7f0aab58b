import { rmSync } from 'node:fs';
import { LockHeldError } from '../errors.js';
import type { LockBackend } from './lock-backend.js';
import { acquireLock, readLockHolder } from './lock-file.js';
import { currentHolder, describeHolder, isStale } from './lock-holder.js';
import { takeOverStaleLock } from './lock-takeover.js';

/** The deploy lock as a file (`lock_backend: "file"`, the default): lock_file on this machine. */
export function fileLockBackend(path: string): LockBackend {
  return {
    where: path,
    describe: () => ({ backend: 'file', file: path }),
    acquire: async (holder, warn) => {
      const lock = acquireLock(path, holder, (previous) => warn(`taking over a stale lock ${path}: its holder is gone (${describeHolder(previous)})`));
      return { where: path, release: async () => lock.release() };
    },
    show: (json) => {
      const holder = readLockHolder(path);
      if (json) return JSON.stringify({ lockFile: path, held: holder !== undefined, ...(holder ? { holder, stale: isStale(holder) } : {}) });
      if (!holder) return `No deploy holds the lock ${path}`;
      return `${path} is held by ${describeHolder(holder)}${isStale(holder) ? ' (stale: that process is gone; the next deploy takes it over)' : ''}`;
    },
    remove: (force) => removeLockFile(path, force),
    holder: () => readLockHolder(path),
  };
}

/** Remove the lock file; refuse while its holder is alive unless forced. */
function removeLockFile(path: string, force: boolean): string {
  let holder;
  try {
    holder = readLockHolder(path);
  } catch (error) {
    if (!(error instanceof LockHeldError) || !force) throw error;
    rmSync(path, { force: true });
    return `Removed the unreadable lock ${path}`;
  }
  if (!holder) return `No lock at ${path}: nothing to do`;
  if (!isStale(holder) && !force) {
    throw new LockHeldError(
      `refusing to remove ${path}: its holder may be alive (${describeHolder(holder)})`,
      'pass --force if you are sure no deploy is running',
    );
  }
  if (!isStale(holder)) rmSync(path, { force: true });
  // A stale lock goes only if it is still that holder's: a deploy may be taking it over right now.
  else if (takeOverStaleLock(path, holder, currentHolder('deploy unlock')).outcome !== 'removed') {
    throw new LockHeldError(`the lock ${path} changed while it was being removed: another deploy may hold it now`, '`deploy lock` shows the holder');
  }
  return `Removed the lock ${path} (was held by ${describeHolder(holder)})`;
}
