import { LockHeldError } from '../errors.js';
import { connectEtcd, etcdCall, type EtcdLockOptions } from './etcd-client.js';
import { deleteEtcdLock, readEtcdLock, type EtcdLockState } from './etcd-lock.js';
import { describeHolder, isStale } from './lock-holder.js';

type EtcdKey = Pick<EtcdLockOptions, 'endpoints' | 'key'>;

function holderText(state: EtcdLockState): string {
  return state.holder !== undefined ? describeHolder(state.holder) : `a value that names no holder (${state.raw ?? ''})`;
}

async function withLock<T>(
  options: EtcdKey,
  use: (read: () => Promise<EtcdLockState | undefined>, remove: (state: EtcdLockState) => Promise<boolean>) => Promise<T>,
): Promise<T> {
  const { endpoints, key } = options;
  const client = await connectEtcd(endpoints);
  try {
    return await use(
      () => etcdCall(endpoints, () => readEtcdLock(client, key)),
      (state) => etcdCall(endpoints, () => deleteEtcdLock(client, key, state)),
    );
  } finally {
    client.close();
  }
}

/** `deploy lock` with `lock_backend: "etcd"`: who holds the key, one line (or JSON). */
export function showEtcdLock(options: EtcdKey, json: boolean): Promise<string> {
  const { key } = options;
  return withLock(options, async (read) => {
    const state = await read();
    if (json) {
      const holder = state?.holder !== undefined ? { holder: state.holder, stale: isStale(state.holder) } : {};
      return JSON.stringify({ etcdKey: key, held: state !== undefined, ...holder });
    }
    if (state === undefined) return `No deploy holds the etcd lock ${key}`;
    const stale = state.holder !== undefined && isStale(state.holder) ? ' (stale: that process is gone; its lease expires etcd_lock_ttl after it died)' : '';
    return `etcd lock ${key} is held by ${holderText(state)}${stale}`;
  });
}

/** `deploy unlock` with etcd: delete the key (only the one read); refuse while its holder may be alive unless forced. */
export function removeEtcdLock(options: EtcdKey, force: boolean): Promise<string> {
  const { key } = options;
  return withLock(options, async (read, remove) => {
    const state = await read();
    if (state === undefined) return `No etcd lock at ${key}: nothing to do`;
    const alive = state.holder === undefined || !isStale(state.holder);
    if (alive && !force) {
      throw new LockHeldError(
        `refusing to remove the etcd lock ${key}: its holder may be alive (${holderText(state)})`,
        'pass --force if you are sure no deploy is running',
      );
    }
    if (!(await remove(state))) {
      throw new LockHeldError(`the etcd lock ${key} changed while it was being removed: another deploy may hold it now`, '`deploy lock` shows the holder');
    }
    return `Removed the etcd lock ${key} (was held by ${holderText(state)})`;
  });
}
