import { describe, expect, it } from 'vitest';
import { HostFailure } from '../../../src/transport/types.js';
import { backoffDelay, withConnectRetries } from '../../../src/transport/ssh/connect-retry.js';
import { connectFailure } from '../../../src/transport/ssh/connect-errors.js';

const target = { host: 'web1', alias: 'web1', hostName: '127.0.1.5', port: 2222, user: 'root' };

describe('connect retries', () => {
  it('doubles the delay from 250 ms with jitter in [50%, 100%]', () => {
    // Given the lowest and highest jitter; Then delays grow exponentially within bounds
    expect(backoffDelay(1, 250, () => 0)).toBe(125);
    expect(backoffDelay(1, 250, () => 0.999999)).toBe(250);
    expect(backoffDelay(3, 250, () => 0)).toBe(500);
    expect(backoffDelay(3, 250, () => 0.999999)).toBe(1000);
  });

  it('retries connect failures only, telling onRetry each time', async () => {
    // Given an attempt failing twice to connect, then succeeding
    let calls = 0;
    const seen: Array<[number, number]> = [];
    const slept: number[] = [];
    const result = await withConnectRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new HostFailure('connect', 'refused');
        return 'ok';
      },
      { retries: 5, random: () => 0.5, sleep: async (ms) => void slept.push(ms) },
      (attempt, _error, delayMs) => seen.push([attempt, delayMs]),
      new AbortController().signal,
    );
    // Then it succeeded on the third attempt after two announced retries
    expect(result).toBe('ok');
    expect(seen).toEqual([
      [1, 188],
      [2, 375],
    ]);
    expect(slept).toEqual([188, 375]);
  });

  it('does not retry host-key or auth failures, and stops after the allowed retries', async () => {
    // Given an attempt refused for its host key
    let calls = 0;
    const hostKey = withConnectRetries(
      async () => {
        calls += 1;
        throw new HostFailure('host-key', 'changed');
      },
      { retries: 3, sleep: async () => undefined },
      () => undefined,
      new AbortController().signal,
    );
    // Then it fails at once
    await expect(hostKey).rejects.toThrow('changed');
    expect(calls).toBe(1);
    // Given connect failures and one retry; Then two attempts in all
    calls = 0;
    await expect(
      withConnectRetries(
        async () => {
          calls += 1;
          throw new HostFailure('connect', 'refused');
        },
        { retries: 1, sleep: async () => undefined },
        () => undefined,
        new AbortController().signal,
      ),
    ).rejects.toThrow('refused');
    expect(calls).toBe(2);
  });
});

describe('connect error messages', () => {
  it('names the endpoint in one line for refused, unreachable, timeout and DNS', () => {
    // Given socket-level errors as ssh2 reports them; Then each maps to a one-line connect failure
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', level: 'client-socket' });
    expect(connectFailure(refused, target, 10_000).message).toMatch(/^could not connect to web1 \(127\.0\.1\.5:2222\): connection refused/);
    const unreachable = Object.assign(new Error('x'), { code: 'EHOSTUNREACH' });
    expect(connectFailure(unreachable, target, 10_000).message).toContain('host unreachable');
    const timeout = Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' });
    expect(connectFailure(timeout, target, 10_000).message).toBe('could not connect to web1 (127.0.1.5:2222): timed out connecting after 10s');
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    expect(connectFailure(dns, target, 10_000).message).toContain('cannot resolve host name 127.0.1.5');
    const odd = new Error('line one\nline two');
    expect(connectFailure(odd, target, 1500).message).not.toContain('\n');
    expect(connectFailure(odd, target, 1500).kind).toBe('connect');
  });
});
