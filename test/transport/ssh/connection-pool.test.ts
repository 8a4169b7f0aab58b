import { describe, expect, it } from 'vitest';
import type { RetryListener } from '../../../src/transport/ssh/connect-retry.js';
import { ConnectionPool } from '../../../src/transport/ssh/connection-pool.js';
import type { SshConnection } from '../../../src/transport/ssh/ssh-connection.js';
import { HostFailure } from '../../../src/transport/types.js';

const never = new AbortController().signal;

/** A stand-in connection: open until ended. */
function connection(): SshConnection {
  let open = true;
  return {
    get isOpen() {
      return open;
    },
    onLost: () => () => undefined,
    end: () => {
      open = false;
    },
  } as unknown as SshConnection;
}

/** An opener whose connects are settled by the test, one by one, with a retry said first when asked. */
function opener() {
  const pending: Array<{ host: string; onRetry: RetryListener; resolve: (c: SshConnection) => void; reject: (e: Error) => void }> = [];
  const open = (host: string, _closing: AbortSignal, onRetry: RetryListener) =>
    new Promise<SshConnection>((resolve, reject) => {
      pending.push({ host, onRetry, resolve, reject });
    });
  return { pending, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConnectionPool.warm', () => {
  it('connects ahead of use, and the first use takes that connection: one connect in all', async () => {
    // Given a pool and a host warmed
    const { pending, open } = opener();
    const pool = new ConnectionPool(open);
    pool.warm('mw01');
    pool.warm('mw01');
    expect(pending.map((p) => p.host)).toEqual(['mw01']);
    // When the connect succeeds, then the host is used twice
    const made = connection();
    pending[0]?.resolve(made);
    await tick();
    // Then both uses get that connection, and nothing else was opened
    expect(await pool.acquire('mw01', never)).toBe(made);
    expect(await pool.acquire('mw01', never)).toBe(made);
    expect(pending).toHaveLength(1);
    expect(pool.opened).toBe(1);
  });

  it('gives a connect that failed ahead of use to the first use, replays its retries to it, and connects again for the next', async () => {
    // Given a warmed host whose connect retried once, then failed, before anyone used it
    const { pending, open } = opener();
    const pool = new ConnectionPool(open);
    pool.warm('mw02');
    const refused = new HostFailure('connect', 'mw02: connection refused');
    pending[0]?.onRetry(1, refused, 500);
    pending[0]?.reject(refused);
    await tick();
    // When the host is first used
    const retries: Array<[number, string, number]> = [];
    const first = pool.acquire('mw02', never, (attempt, error, delayMs) => retries.push([attempt, error.message, delayMs]));
    // Then that use fails with the connect's failure, having been told of its retry, and no second connect was made for it
    await expect(first).rejects.toBe(refused);
    expect(retries).toEqual([[1, 'mw02: connection refused', 500]]);
    expect(pending).toHaveLength(1);
    // And the next use connects again
    const again = pool.acquire('mw02', never);
    await tick();
    expect(pending).toHaveLength(2);
    const made = connection();
    pending[1]?.resolve(made);
    expect(await again).toBe(made);
  });

  it('lets a use join a connect still under way ahead of it, retries told as they come', async () => {
    // Given a warmed host whose connect is still pending
    const { pending, open } = opener();
    const pool = new ConnectionPool(open);
    pool.warm('mw03');
    const attempts: number[] = [];
    const use = pool.acquire('mw03', never, (attempt) => attempts.push(attempt));
    // When it retries, then connects
    pending[0]?.onRetry(1, new HostFailure('timeout', 'mw03: timed out'), 100);
    const made = connection();
    pending[0]?.resolve(made);
    // Then the use was told, and got the connection
    expect(await use).toBe(made);
    expect(attempts).toEqual([1]);
    expect(pending).toHaveLength(1);
  });

  it('opens nothing once closed', async () => {
    const { pending, open } = opener();
    const pool = new ConnectionPool(open);
    await pool.closeAll();
    pool.warm('mw04');
    expect(pending).toHaveLength(0);
  });
});
