import type { Config } from '../config/schema.js';
import { LockHeldError } from '../errors.js';
import { connectEtcd, etcdCall } from '../state/etcd-client.js';
import { deleteEtcdLock, readEtcdLock, type EtcdLockState } from '../state/etcd-lock.js';
import { describeHolder, isStale } from '../state/lock-holder.js';
import type { AdminOptions } from './admin-options.js';

type EtcdConfig = Pick<Config, 'etcd_endpoints' | 'etcd_lock_key'>;

function holderText(state: EtcdLockState): string {
  return state.holder !== undefined ? describeHolder(state.holder) : `a value that names no holder (${state.raw ?? ''})`;
}

async function withLock<T>(config: EtcdConfig, use: (read: () => Promise<EtcdLockState | undefined>, remove: (state: EtcdLockState) => Promise<boolean>) => Promise<T>): Promise<T> {
  const endpoints = config.etcd_endpoints;
  const client = await connectEtcd(endpoints);
  try {
    return await use(
      () => etcdCall(endpoints, () => readEtcdLock(client, config.etcd_lock_key)),
      (state) => etcdCall(endpoints, () => deleteEtcdLock(client, config.etcd_lock_key, state)),
    );
  } finally {
    client.close();
  }
}

/** `deploy lock` with `lock_backend: "etcd"`: who holds the key. */
export function showEtcdLock(config: EtcdConfig, options: AdminOptions): Promise<number> {
  const key = config.etcd_lock_key;
  const out = options.stdout ?? process.stdout;
  return withLock(config, async (read) => {
    const state = await read();
    if (options.json) {
      const holder = state?.holder !== undefined ? { holder: state.holder, stale: isStale(state.holder) } : {};
      out.write(`${JSON.stringify({ etcdKey: key, held: state !== undefined, ...holder })}\n`);
    } else if (state === undefined) out.write(`No deploy holds the etcd lock ${key}\n`);
    else out.write(`etcd lock ${key} is held by ${holderText(state)}${state.holder !== undefined && isStale(state.holder) ? ' (stale: that process is gone; its lease expires etcd_lock_ttl after it died)' : ''}\n`);
    return 0;
  });
}

/** `deploy unlock` with etcd: delete the key (only the one read); refuse while its holder may be alive unless forced. */
export function removeEtcdLock(config: EtcdConfig, options: AdminOptions & { force: boolean }): Promise<number> {
  const key = config.etcd_lock_key;
  const out = options.stdout ?? process.stdout;
  return withLock(config, async (read, remove) => {
    const state = await read();
    if (state === undefined) {
      out.write(`No etcd lock at ${key}: nothing to do\n`);
      return 0;
    }
    const alive = state.holder === undefined || !isStale(state.holder);
    if (alive && !options.force) {
      throw new LockHeldError(`refusing to remove the etcd lock ${key}: its holder may be alive (${holderText(state)})`, 'pass --force if you are sure no deploy is running');
    }
    if (!(await remove(state))) {
      throw new LockHeldError(`the etcd lock ${key} changed while it was being removed: another deploy may hold it now`, '`deploy lock` shows the holder');
    }
    out.write(`Removed the etcd lock ${key} (was held by ${holderText(state)})\n`);
    return 0;
  });
}
