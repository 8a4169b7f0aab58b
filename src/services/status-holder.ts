import type { Config } from '../config/schema.js';
import { readLockHolder } from '../state/lock-file.js';
import type { LockHolder } from '../state/lock-holder.js';

type HolderConfig = Pick<Config, 'lock_backend' | 'lock_file' | 'etcd_endpoints' | 'etcd_lock_key'>;

/**
 * Who holds the deploy lock, for `deploy status`: the lock file's holder, or the etcd key's with
 * `lock_backend: "etcd"` (etcd3 is loaded only then). Status never fails for want of etcd: an
 * unreachable etcd is a warning and no holder, and the live state is shown as it is.
 */
export async function readStatusHolder(config: HolderConfig, warn: (text: string) => void): Promise<LockHolder | undefined> {
  if (config.lock_backend !== 'etcd') return readLockHolder(config.lock_file);
  const { connectEtcd, etcdCall } = await import('../state/etcd-client.js');
  const { readEtcdLock } = await import('../state/etcd-lock.js');
  const client = await connectEtcd(config.etcd_endpoints);
  try {
    const state = await etcdCall(config.etcd_endpoints, () => readEtcdLock(client, config.etcd_lock_key));
    if (state !== undefined && state.holder === undefined) warn(`the etcd lock ${config.etcd_lock_key} is held by a value that names no holder (${state.raw ?? ''})`);
    return state?.holder;
  } catch (error) {
    warn(`${(error as Error).message}; the holder is not shown`);
    return undefined;
  } finally {
    client.close();
  }
}
