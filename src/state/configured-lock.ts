import type { Config } from '../config/schema.js';
import { etcdLockBackend } from './etcd-lock-backend.js';
import { fileLockBackend } from './file-lock-backend.js';
import type { LockBackend } from './lock-backend.js';

type LockConfig = Pick<Config, 'lock_backend' | 'lock_file' | 'etcd_endpoints' | 'etcd_lock_key' | 'etcd_lock_ttl'>;

/** The configured lock backend: the one place that reads `lock_backend`. */
export function lockBackend(config: LockConfig): LockBackend {
  if (config.lock_backend !== 'etcd') return fileLockBackend(config.lock_file);
  return etcdLockBackend({
    endpoints: config.etcd_endpoints,
    key: config.etcd_lock_key,
    ttlSeconds: Math.max(1, Math.ceil(config.etcd_lock_ttl)),
    describeTtlSeconds: config.etcd_lock_ttl,
  });
}
