import { describe, expect, it } from 'vitest';
import { canBind } from './ports.js';
import { startHttpServer } from './http-server.js';

describe('http test server', () => {
  it('answers the routes the test sets at runtime, counts requests, and frees its port on stop', async () => {
    // Given a server with one route
    const server = await startHttpServer({ routes: { '/health': { status: 200, body: 'ok\n' } } });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      // When it is asked, Then it answers the route, and 404 elsewhere
      const first = await fetch(`${server.url}/health?probe=1`);
      expect([first.status, await first.text()]).toEqual([200, 'ok\n']);
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
      // When the route changes at runtime, Then the next answer follows it
      server.setRoute('/health', { status: 503, body: 'draining', headers: { 'x-why': 'test' } });
      const second = await fetch(`${server.url}/health`);
      expect([second.status, await second.text(), second.headers.get('x-why')]).toEqual([503, 'draining', 'test']);
      // And requests were counted per path, query aside
      expect(server.requestCount('/health')).toBe(2);
      expect(server.requestCount()).toBe(3);
      expect(server.requests().map((r) => r.url)).toEqual(['/health?probe=1', '/nope', '/health']);
    } finally {
      await server.stop();
      await server.stop(); // idempotent
    }
    // Then nothing listens on its port any more
    expect(await canBind('127.0.0.1', server.port)).toBe(true);
  });

  it('delays an answer when told to (so a client can time out)', async () => {
    // Given a route answering after 3 s
    const server = await startHttpServer({ routes: { '/slow': { delayMs: 3_000, body: 'late' } } });
    try {
      // When a client gives up after 200 ms, Then it times out
      await expect(fetch(`${server.url}/slow`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
      expect(server.requestCount('/slow')).toBe(1);
    } finally {
      // And stop does not wait for the pending answer
      await server.stop();
    }
  });

  it('serves the gauges and counters the test sets as Prometheus text on /metrics', async () => {
    // Given gauges and counters with labels
    const server = await startHttpServer();
    try {
      server.setGauge('php_fpm_up', { host: 'mw01' }, 1);
      server.setGauge('php_fpm_up', { host: 'mw02' }, 0);
      server.setCounter('http_errors_total', { host: 'mw01', code: '5"0\\0' }, 3);
      server.incCounter('http_errors_total', { code: '5"0\\0', host: 'mw01' }, 2);
      server.setGauge('ratio', {}, 0.25);
      // When /metrics is fetched
      const res = await fetch(`${server.url}/metrics`);
      // Then it is the text format with every series, labels escaped, label order irrelevant
      expect(res.headers.get('content-type')).toContain('version=0.0.4');
      expect(await res.text()).toBe(
        [
          '# TYPE php_fpm_up gauge',
          'php_fpm_up{host="mw01"} 1',
          'php_fpm_up{host="mw02"} 0',
          '# TYPE http_errors_total counter',
          'http_errors_total{host="mw01",code="5\\"0\\\\0"} 5',
          '# TYPE ratio gauge',
          'ratio 0.25',
          '',
        ].join('\n'),
      );
      // When a series and a metric are removed, Then they are gone
      server.removeMetric('php_fpm_up', { host: 'mw02' });
      server.removeMetric('ratio');
      expect(server.metricsText()).toBe(
        '# TYPE php_fpm_up gauge\nphp_fpm_up{host="mw01"} 1\n# TYPE http_errors_total counter\nhttp_errors_total{host="mw01",code="5\\"0\\\\0"} 5\n',
      );
      // And bad names or a type change are refused
      expect(() => server.setGauge('bad-name', {}, 1)).toThrow(/metric name/);
      expect(() => server.setGauge('ok', { 'bad-label': 'x' }, 1)).toThrow(/label name/);
      expect(() => server.setGauge('http_errors_total', {}, 1)).toThrow(/counter/);
    } finally {
      await server.stop();
    }
  });
});
