import type { LockHolder } from './lock-holder.js';

/** A lock this run holds until `release()`: it removes the lock only if it is still ours. */
export interface RunLock {
  /** Where the lock lives, for messages: the lock file's path, or `etcd key <key>`. */
  where: string;
  release(): Promise<void>;
}

/** The lock a run would take (`lock_backend`), for --dry-run: the lock file, or a key in etcd. */
export type LockDescription = { backend: 'file'; file: string } | { backend: 'etcd'; endpoints: string[]; key: string; ttlSeconds: number };

/**
 * Where the deploy lock lives (`lock_backend`: the lock file, or a key in etcd) and everything
 * done to it: describe, take, show, break, read its holder. Each backend owns its behaviour,
 * so no caller asks which one it has. The file backend answers at once; etcd with promises.
 */
export interface LockBackend {
  where: string;
  /** --dry-run: the lock a run would take. */
  describe(): LockDescription;
  /** Take the lock for the run; held by another live run: LockHeldError naming it (exit 3). */
  acquire(holder: LockHolder, warn: (text: string) => void): Promise<RunLock>;
  /** `deploy lock`: who holds it and whether that holder is alive, one line (or one JSON line). */
  show(json: boolean): string | Promise<string>;
  /** `deploy unlock`: remove it, refusing while its holder may be alive unless forced; the line to print. */
  remove(force: boolean): string | Promise<string>;
  /** `deploy status`: who holds it (a backend that cannot tell warns and says nobody). */
  holder(warn: (text: string) => void): LockHolder | undefined | Promise<LockHolder | undefined>;
}
