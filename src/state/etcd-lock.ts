import type { Etcd3, Lease } from 'etcd3';
import { LockHeldError } from '../errors.js';
import { connectEtcd, etcdCall, type EtcdLockOptions } from './etcd-client.js';
import type { RunLock } from './lock-backend.js';
import { describeHolder, parseHolder, type LockHolder } from './lock-holder.js';

/** What the lock key holds now, with the revision that wrote it (for a guarded delete). */
export interface EtcdLockState {
  holder: LockHolder | undefined;
  /** The key's value when it names no holder. */
  raw?: string;
  modRevision: string;
  lease: string;
}

/** Reads the lock key: undefined when no one holds it. */
export async function readEtcdLock(client: Etcd3, key: string): Promise<EtcdLockState | undefined> {
  const response = await client.get(key).exec();
  const kv = response.kvs[0];
  if (kv === undefined) return undefined;
  const raw = kv.value.toString('utf8');
  const holder = parseHolder(raw);
  return { holder, ...(holder === undefined ? { raw } : {}), modRevision: kv.mod_revision, lease: kv.lease };
}

/** Deletes the key only if it is still the one `state` read (no newer holder's). True if deleted. */
export async function deleteEtcdLock(client: Etcd3, key: string, state: EtcdLockState): Promise<boolean> {
  const result = await client.if(key, 'Mod', '==', state.modRevision).then(client.delete().key(key)).commit();
  return result.succeeded;
}

function heldBy(options: EtcdLockOptions, state: EtcdLockState | undefined): LockHeldError {
  const who = state?.holder !== undefined ? describeHolder(state.holder) : `a value that names no holder (${state?.raw ?? 'gone'})`;
  return new LockHeldError(`another deploy holds the etcd lock ${options.key}: ${who}`, 'wait for it to finish; `deploy lock` shows the holder');
}

/**
 * Creates the key only if absent (one transaction), under a lease of `ttlSeconds` that the
 * client keeps alive while the run lasts: a holder that dies loses the lock a TTL later.
 */
async function takeKey(client: Etcd3, lease: Lease, options: EtcdLockOptions, holder: LockHolder): Promise<string> {
  const leaseId = await lease.grant();
  const result = await client
    .if(options.key, 'Create', '==', 0)
    .then(client.put(options.key).value(JSON.stringify(holder)).lease(leaseId))
    .else(client.get(options.key))
    .commit();
  if (result.succeeded) return leaseId;
  const kv = result.responses[0]?.response_range?.kvs?.[0];
  const raw = kv?.value.toString('utf8');
  const current = raw === undefined ? undefined : parseHolder(raw);
  throw heldBy(
    options,
    kv === undefined ? undefined : { holder: current, ...(current === undefined ? { raw } : {}), modRevision: kv.mod_revision, lease: kv.lease },
  );
}

function heldLock(client: Etcd3, lease: Lease, leaseId: string, options: EtcdLockOptions, onRelease: () => void): RunLock {
  let released: Promise<void> | undefined;
  const release = async (): Promise<void> => {
    onRelease();
    try {
      // Only our key: one a forced unlock handed to another run sits under that run's lease.
      await client.if(options.key, 'Lease', '==', leaseId).then(client.delete().key(options.key)).commit();
      await lease.revoke();
    } catch {
      // etcd gone: the lease expires by itself a TTL from now
    } finally {
      client.close();
    }
  };
  return { where: `etcd key ${options.key}`, release: () => (released ??= release()) };
}

/** Take the etcd lock for the run: the key, created under a lease kept alive while the run lasts. */
export async function acquireEtcdLock(options: EtcdLockOptions, holder: LockHolder, warn: (text: string) => void): Promise<RunLock> {
  const client = await connectEtcd(options.endpoints);
  const lease = client.lease(options.ttlSeconds);
  let ours = true;
  lease.on('lost', (error) => ours && warn(`the etcd lock ${options.key} was lost (${error.message}): another deploy may take it while this one runs`));
  try {
    const leaseId = await etcdCall(options.endpoints, () => takeKey(client, lease, options, holder));
    return heldLock(client, lease, leaseId, options, () => (ours = false));
  } catch (error) {
    ours = false;
    await lease.revoke().catch(() => undefined);
    client.close();
    throw error;
  }
}
