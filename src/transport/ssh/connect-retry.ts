import { HostFailure } from '../types.js';
import { sleepUnlessAborted } from '../../lib/abort.js';
import { RETRY_BASE_DELAY_MS } from './options.js';

export type RetryListener = (attempt: number, error: HostFailure, delayMs: number) => void;

export interface RetryPolicy {
  /** Extra attempts after the first; 0 means try once. */
  retries: number;
  baseDelayMs?: number;
  /** 0..1; injectable for tests. */
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Delay before retry `attempt` (1-based): base·2^(attempt-1), scaled by a jitter in [0.5, 1). */
export function backoffDelay(attempt: number, baseDelayMs: number, random: () => number): number {
  const ceiling = baseDelayMs * 2 ** (attempt - 1);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Run `attempt` until it succeeds, retrying only failures of kind 'connect' (never host-key
 * or auth refusals), with exponential backoff and jitter. `onRetry` hears each retry.
 */
export async function withConnectRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy, onRetry: RetryListener, signal: AbortSignal): Promise<T> {
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? sleepUnlessAborted;
  const base = policy.baseDelayMs ?? RETRY_BASE_DELAY_MS;
  for (let retry = 1; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = error instanceof HostFailure && error.kind === 'connect';
      if (!retryable || retry > policy.retries || signal.aborted) throw error;
      const delayMs = backoffDelay(retry, base, random);
      onRetry(retry, error, delayMs);
      await sleep(delayMs, signal);
    }
  }
}
