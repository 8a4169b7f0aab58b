import { afterEach, describe, expect, it } from 'vitest';
import { expandChecks } from '../../src/checks/expand-checks.js';
import { runCanaryChecks } from '../../src/checks/run-checks.js';
import { startHttpServer, type TestHttpServer } from '../servers/http-server.js';

const servers: TestHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function server(): Promise<TestHttpServer> {
  const started = await startHttpServer();
  servers.push(started);
  return started;
}

const run = (specs: Parameters<typeof expandChecks>[0], canaries = ['mw01'], timeoutMs = 10_000) =>
  runCanaryChecks(expandChecks(specs, canaries), { canaries, cwd: process.cwd(), timeoutMs, signal: new AbortController().signal });

describe('HTTP canary checks (real HTTP server)', () => {
  it('passes on any 2xx by default, and fails on another status with the status in its reason', async () => {
    // Given a server answering 204 on /ok and 503 on /down
    const http = await server();
    http.setRoute('/ok', { status: 204 });
    http.setRoute('/down', { status: 503, body: 'down' });
    // When both are checked
    const [ok, down] = await run([{ http: `${http.url}/ok` }, { http: `${http.url}/down` }]);
    // Then the first passes, the second fails naming 503
    expect(ok).toMatchObject({ ok: true, detail: 'HTTP 204' });
    expect(down?.ok).toBe(false);
    expect(down?.detail).toContain('HTTP 503');
  });

  it('checks the exact status and the body text', async () => {
    // Given a page answering 200 "healthy"
    const http = await server();
    http.setRoute('/health', { status: 200, body: 'all healthy' });
    // When checked for status 200 + "healthy", status 201, and "broken"
    const results = await run([
      { http: `${http.url}/health`, status: 200, contains: 'healthy' },
      { http: `${http.url}/health`, status: 201 },
      { http: `${http.url}/health`, contains: 'broken' },
    ]);
    // Then only the first passes
    expect(results.map((result) => result.ok)).toEqual([true, false, false]);
    expect(results[2]?.detail).toContain('does not contain');
  });

  it('runs once per canary when the URL has {host}', async () => {
    // Given two canaries and a page only for mw01
    const http = await server();
    http.setRoute('/mw01/health', { status: 200 });
    // When a {host} URL is checked
    const results = await run([{ http: `${http.url}/{host}/health` }], ['mw01', 'mw02']);
    // Then one result per canary: mw01 passes, mw02 (404) fails
    expect(results.map((result) => [result.check.host, result.ok])).toEqual([
      ['mw01', true],
      ['mw02', false],
    ]);
    expect(http.requestCount()).toBe(2);
  });

  it('fails, never passes, on a server that is gone or too slow', async () => {
    // Given a stopped server and a slow route
    const gone = await server();
    const goneUrl = gone.url;
    await gone.stop();
    const slow = await server();
    slow.setRoute('/slow', { status: 200, delayMs: 5_000 });
    // When checked (timeout 500 ms)
    const [unreachable, late] = await run([{ http: `${goneUrl}/` }, { http: `${slow.url}/slow` }], ['mw01'], 500);
    // Then both fail with a reason
    expect(unreachable?.ok).toBe(false);
    expect(unreachable?.detail).toMatch(/fetch failed|ECONNREFUSED/);
    expect(late).toMatchObject({ ok: false });
    expect(late?.detail).toContain('timed out');
  });
});
