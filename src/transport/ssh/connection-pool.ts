import { setMaxListeners } from 'node:events';
import { HostFailure } from '../types.js';
import { raceAbort } from '../../lib/abort.js';
import type { RetryListener } from './connect-retry.js';
import type { SshConnection } from './ssh-connection.js';

/** Opens a connection to `host`; `closing` aborts when the pool closes. */
export type ConnectionOpener = (host: string, closing: AbortSignal, onRetry: RetryListener) => Promise<SshConnection>;

interface PoolEntry {
  promise: Promise<SshConnection>;
  retryListeners: Set<RetryListener>;
  connection?: SshConnection;
  /**
   * Opened ahead of use (warm) and not used yet: its retries so far, replayed to its first
   * user; a failure is kept for that user rather than met by a second connect.
   */
  ahead?: Parameters<RetryListener>[];
}

/**
 * One connection per host for the whole run: opened on first use, shared by concurrent
 * first callers (they wait on the same pending connect), reused afterwards, replaced when
 * it broke, and ended by closeAll().
 */
export class ConnectionPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly closing = new AbortController();
  /** How many connections were opened (ready) so far: tests check reuse with it. */
  opened = 0;

  constructor(private readonly opener: ConnectionOpener) {
    // Every pending connect listens on `closing`: 80 at once is normal, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** The open connection to `host`, connecting first when needed. Rejects with signal.reason on abort. */
  async acquire(host: string, signal: AbortSignal, onRetry?: RetryListener): Promise<SshConnection> {
    if (this.closed) throw new HostFailure('interrupted', `${host}: the SSH transport is already closed`);
    if (signal.aborted) throw signal.reason;
    let entry = this.entries.get(host);
    if (entry?.connection !== undefined && !entry.connection.isOpen) {
      this.entries.delete(host);
      entry = undefined;
    }
    entry ??= this.connect(host);
    if (entry.ahead !== undefined) this.takeAhead(host, entry, onRetry);
    if (entry.connection !== undefined) return entry.connection;
    const listener = onRetry;
    if (listener !== undefined) entry.retryListeners.add(listener);
    try {
      return await raceAbort(entry.promise, signal);
    } finally {
      if (listener !== undefined) entry.retryListeners.delete(listener);
    }
  }

  /**
   * Start connecting to `host` now, ahead of its first use, unless that has begun. The first
   * acquire takes the connect as if it had started it: its retries so far, its connection or
   * its failure (once: the next acquire connects again).
   */
  warm(host: string): void {
    if (this.closed || this.entries.has(host)) return;
    const entry = this.connect(host, true);
    entry.promise.catch(() => undefined);
  }

  /** End every connection and give up on pending connects. Idempotent. */
  async closeAll(): Promise<void> {
    if (!this.closed) this.closing.abort(new HostFailure('interrupted', 'the SSH transport was closed'));
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        try {
          (await entry.promise).end();
        } catch {
          // the connect failed: nothing to end
        }
      }),
    );
  }

  /** The first use of a connect begun ahead: what it missed replayed; a failure is this use's, then forgotten. */
  private takeAhead(host: string, entry: PoolEntry, onRetry: RetryListener | undefined): void {
    for (const retry of entry.ahead ?? []) onRetry?.(...retry);
    delete entry.ahead;
    entry.promise.catch(() => {
      if (this.entries.get(host) === entry) this.entries.delete(host);
    });
  }

  private connect(host: string, ahead = false): PoolEntry {
    const retryListeners = new Set<RetryListener>();
    const notify: RetryListener = (attempt, error, delayMs) => {
      entry.ahead?.push([attempt, error, delayMs]);
      for (const listener of retryListeners) listener(attempt, error, delayMs);
    };
    const entry: PoolEntry = { promise: this.opener(host, this.closing.signal, notify), retryListeners, ...(ahead ? { ahead: [] } : {}) };
    this.entries.set(host, entry);
    entry.promise.then(
      (connection) => {
        this.opened += 1;
        entry.connection = connection;
        if (this.closed) {
          connection.end();
          return;
        }
        connection.onLost(() => {
          if (this.entries.get(host) === entry) this.entries.delete(host);
        });
      },
      () => {
        if (this.entries.get(host) === entry && entry.ahead === undefined) this.entries.delete(host);
      },
    );
    return entry;
  }
}
