import type { Etcd3 } from 'etcd3';
import { LockHeldError } from '../errors.js';

export interface EtcdLockOptions {
  endpoints: string[];
  key: string;
  ttlSeconds: number;
}

/** How long one etcd call (or a connection) may take before the run gives up on etcd. */
const CALL_TIMEOUT_MS = 5_000;

/** A client for the lock (etcd3 is imported here, lazily: the file backend never loads it). */
export async function connectEtcd(endpoints: string[]): Promise<Etcd3> {
  const { Etcd3 } = await import('etcd3');
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: CALL_TIMEOUT_MS,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
  });
}

/** etcd could not be reached or refused a call: exit 3 with the reason (SPEC). */
export function unreachable(endpoints: string[], error: unknown): LockHeldError {
  const reason = error instanceof Error ? error.message : String(error);
  return new LockHeldError(
    `cannot reach etcd at ${endpoints.join(', ')} for the deploy lock: ${reason}`,
    'check etcd_endpoints and that etcd is up; no host was touched',
  );
}

/** Runs `call`, turning any etcd failure into the exit-3 error above. */
export async function etcdCall<T>(endpoints: string[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LockHeldError) throw error;
    throw unreachable(endpoints, error);
  }
}
