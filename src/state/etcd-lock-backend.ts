import type { EtcdLockOptions } from './etcd-client.js';
import type { LockBackend } from './lock-backend.js';

/**
 * The deploy lock as a key in etcd (`lock_backend: "etcd"`). Its code, and etcd's client, are
 * loaded only when it is used. `describeTtlSeconds` is the configured etcd_lock_ttl, as
 * --dry-run shows it; the lease itself is `ttlSeconds`, whole seconds, at least one.
 */
export function etcdLockBackend(options: EtcdLockOptions & { describeTtlSeconds: number }): LockBackend {
  const { endpoints, key } = options;
  return {
    where: `etcd key ${key}`,
    describe: () => ({ backend: 'etcd', endpoints: [...endpoints], key, ttlSeconds: options.describeTtlSeconds }),
    acquire: async (holder, warn) => (await import('./etcd-lock.js')).acquireEtcdLock({ endpoints, key, ttlSeconds: options.ttlSeconds }, holder, warn),
    show: async (json) => (await import('./etcd-lock-admin.js')).showEtcdLock({ endpoints, key }, json),
    remove: async (force) => (await import('./etcd-lock-admin.js')).removeEtcdLock({ endpoints, key }, force),
    holder: async (warn) => (await import('./etcd-lock-holder.js')).readEtcdLockHolder({ endpoints, key }, warn),
  };
}
