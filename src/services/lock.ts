import { rmSync } from 'node:fs';
import { LockHeldError } from '../errors.js';
import { loadAdminConfig, type AdminOptions } from './admin-options.js';
import { currentHolder, describeHolder, isStale, readLockHolder } from '../state/lock-file.js';
import { takeOverStaleLock } from '../state/lock-takeover.js';

/** `deploy lock`: who holds the lock, and whether that holder is still alive (a promise with etcd). */
export function showLock(options: AdminOptions): number | Promise<number> {
  const config = loadAdminConfig(options);
  if (config.lock_backend === 'etcd') return import('./etcd-lock-admin.js').then(({ showEtcdLock }) => showEtcdLock(config, options));
  const { lock_file: path } = config;
  const out = options.stdout ?? process.stdout;
  const holder = readLockHolder(path);
  if (options.json) {
    out.write(`${JSON.stringify({ lockFile: path, held: holder !== undefined, ...(holder ? { holder, stale: isStale(holder) } : {}) })}\n`);
    return 0;
  }
  if (!holder) out.write(`No deploy holds the lock ${path}\n`);
  else out.write(`${path} is held by ${describeHolder(holder)}${isStale(holder) ? ' (stale: that process is gone; the next deploy takes it over)' : ''}\n`);
  return 0;
}

/** `deploy unlock`: remove the lock; refuse while its holder is alive unless forced (a promise with etcd). */
export function removeLock(options: AdminOptions & { force: boolean }): number | Promise<number> {
  const config = loadAdminConfig(options);
  if (config.lock_backend === 'etcd') return import('./etcd-lock-admin.js').then(({ removeEtcdLock }) => removeEtcdLock(config, options));
  const { lock_file: path } = config;
  const out = options.stdout ?? process.stdout;
  let holder;
  try {
    holder = readLockHolder(path);
  } catch (error) {
    if (!(error instanceof LockHeldError) || !options.force) throw error;
    rmSync(path, { force: true });
    out.write(`Removed the unreadable lock ${path}\n`);
    return 0;
  }
  if (!holder) {
    out.write(`No lock at ${path}: nothing to do\n`);
    return 0;
  }
  if (!isStale(holder) && !options.force) {
    throw new LockHeldError(`refusing to remove ${path}: its holder may be alive (${describeHolder(holder)})`, 'pass --force if you are sure no deploy is running');
  }
  if (!isStale(holder)) rmSync(path, { force: true });
  // A stale lock goes only if it is still that holder's: a deploy may be taking it over right now.
  else if (takeOverStaleLock(path, holder, currentHolder('deploy unlock')).outcome !== 'removed') {
    throw new LockHeldError(`the lock ${path} changed while it was being removed: another deploy may hold it now`, '`deploy lock` shows the holder');
  }
  out.write(`Removed the lock ${path} (was held by ${describeHolder(holder)})\n`);
  return 0;
}
