import { connectEtcd, etcdCall, type EtcdLockOptions } from './etcd-client.js';
import { readEtcdLock } from './etcd-lock.js';
import type { LockHolder } from './lock-holder.js';

/**
 * Who holds the etcd lock, for `deploy status`. Status never fails for want of etcd: an
 * unreachable etcd is a warning and no holder, and the live state is shown as it is.
 */
export async function readEtcdLockHolder(options: Pick<EtcdLockOptions, 'endpoints' | 'key'>, warn: (text: string) => void): Promise<LockHolder | undefined> {
  const client = await connectEtcd(options.endpoints);
  try {
    const state = await etcdCall(options.endpoints, () => readEtcdLock(client, options.key));
    if (state !== undefined && state.holder === undefined) warn(`the etcd lock ${options.key} is held by a value that names no holder (${state.raw ?? ''})`);
    return state?.holder;
  } catch (error) {
    warn(`${(error as Error).message}; the holder is not shown`);
    return undefined;
  } finally {
    client.close();
  }
}
