import type { Config } from '../config/schema.js';
import { acquireLock, describeHolder, isStale, readLockHolder, type LockHolder } from './lock-file.js';

/** A lock this run holds until `release()`: it removes the lock only if it is still ours. */
export interface RunLock {
  /** Where the lock lives, for messages: the lock file's path, or `etcd key <key>`. */
  where: string;
  release(): Promise<void>;
}

/** Where the deploy lock lives (`lock_backend`): the lock file, or a key in etcd. */
export interface LockBackend {
  where: string;
  /** Take the lock for the run; held by another live run: LockHeldError naming it (exit 3). */
  acquire(holder: LockHolder, warn: (text: string) => void): Promise<RunLock>;
}

type LockConfig = Pick<Config, 'lock_backend' | 'lock_file' | 'etcd_endpoints' | 'etcd_lock_key' | 'etcd_lock_ttl'>;

function fileBackend(path: string): LockBackend {
  return {
    where: path,
    acquire: async (holder, warn) => {
      const lock = acquireLock(path, holder, (previous) => warn(`taking over a stale lock ${path}: its holder is gone (${describeHolder(previous)})`));
      return { where: path, release: async () => lock.release() };
    },
  };
}

/** The configured backend; etcd's client is loaded only when `lock_backend` is `etcd`. */
export async function lockBackend(config: LockConfig): Promise<LockBackend> {
  if (config.lock_backend !== 'etcd') return fileBackend(config.lock_file);
  const { etcdLockBackend } = await import('./etcd-lock.js');
  return etcdLockBackend({ endpoints: config.etcd_endpoints, key: config.etcd_lock_key, ttlSeconds: Math.max(1, Math.ceil(config.etcd_lock_ttl)) });
}

export { describeHolder, isStale, readLockHolder };
