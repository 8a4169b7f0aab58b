import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandChecks } from '../../src/checks/expand-checks.js';
import { runCanaryChecks, takeBaselines } from '../../src/checks/run-checks.js';
import type { CheckSpec } from '../../src/config/checks-kind.js';
import { startHttpServer, type TestHttpServer } from '../servers/http-server.js';
import { prometheusAvailable, startPrometheus, type TestPrometheus } from '../servers/prometheus.js';

const canaries = ['mw01', 'mw02.eqiad'];
const never = new AbortController().signal;

describe.skipIf(!prometheusAvailable() && !process.env.CI)('Prometheus canary checks (real Prometheus)', () => {
  let exporter: TestHttpServer;
  let prometheus: TestPrometheus;

  beforeAll(async () => {
    // Given an exporter with errors per host (a dotted canary, and a non-canary that must not count) scraped by Prometheus
    exporter = await startHttpServer();
    exporter.setGauge('app_errors', { host: 'mw01' }, 2);
    exporter.setGauge('app_errors', { host: 'mw02.eqiad' }, 3);
    exporter.setGauge('app_errors', { host: 'mw02xeqiad' }, 100);
    prometheus = await startPrometheus({ targets: [exporter.target] });
    await prometheus.waitForSample('app_errors{host="mw02xeqiad"}', { timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });

  const run = (specs: CheckSpec[], baselines?: Map<string, number | undefined>) =>
    runCanaryChecks(expandChecks(specs, canaries), { canaries, cwd: process.cwd(), timeoutMs: 20_000, signal: never, ...(baselines ? { baselines } : {}) });

  it("sums the canaries' samples only, and compares with max", async () => {
    // When the sum over {canaries} is checked against max 5 and max 4
    const query = 'app_errors{host=~"{canaries}"}';
    const [within, above] = await run([
      { prometheus: prometheus.url, query, max: 5 },
      { prometheus: prometheus.url, query, max: 4 },
    ]);
    // Then the value is 5 (2 + 3, not the look-alike's 100): within 5, above 4
    expect(within).toMatchObject({ ok: true });
    expect(within?.detail).toContain('value 5 within max 5');
    expect(above).toMatchObject({ ok: false });
    expect(above?.detail).toContain('value 5 above max 4');
  }, 60_000);

  it('counts an empty result as 0, and fails on an error answer or a non-vector result', async () => {
    // When a query matching nothing, a bad query and a string result are checked
    const [empty, broken, text] = await run([
      { prometheus: prometheus.url, query: 'app_errors{host="nobody"}', max: 0 },
      { prometheus: prometheus.url, query: 'sum(', max: 100 },
      { prometheus: prometheus.url, query: '"text"', max: 100 },
    ]);
    // Then the empty one passes with 0; the others fail with the reason
    expect(empty).toMatchObject({ ok: true });
    expect(empty?.detail).toContain('value 0');
    expect(broken).toMatchObject({ ok: false });
    expect(broken?.detail).toContain('error');
    expect(text).toMatchObject({ ok: false });
    expect(text?.detail).toContain('result type string');
  }, 60_000);

  it('compares with max(1, baseline × max_ratio), the baseline taken before the change', async () => {
    // Given the baseline of 5 errors taken when the run starts
    const spec: CheckSpec = { prometheus: prometheus.url, query: 'sum(app_errors{host=~"{canaries}"})', max_ratio: 2 };
    const checks = expandChecks([spec], canaries);
    const baselines = await takeBaselines(checks, 20_000, never);
    expect([...baselines.values()]).toEqual([5]);
    // When the canaries' errors go to 12 (more than 2 × 5) and Prometheus has scraped it
    exporter.setGauge('app_errors', { host: 'mw01' }, 9);
    await waitForValue(prometheus, 'sum(app_errors{host=~"mw01|mw02\\\\.eqiad"})', '12');
    const [result] = await runCanaryChecks(checks, { canaries, cwd: process.cwd(), timeoutMs: 20_000, signal: never, baselines });
    // Then the check fails against max(1, 10)
    expect(result).toMatchObject({ ok: false });
    expect(result?.detail).toContain('value 12 above max(1, baseline 5 × 2) = 10');
    // And with 10 errors it passes
    exporter.setGauge('app_errors', { host: 'mw01' }, 7);
    await waitForValue(prometheus, 'sum(app_errors{host=~"mw01|mw02\\\\.eqiad"})', '10');
    const [again] = await runCanaryChecks(checks, { canaries, cwd: process.cwd(), timeoutMs: 20_000, signal: never, baselines });
    expect(again).toMatchObject({ ok: true });
  }, 90_000);

  it('fails on an unreachable server, with or without a baseline', async () => {
    // Given a server address nothing listens on
    const gone = await startHttpServer();
    const url = gone.url;
    await gone.stop();
    const spec: CheckSpec = { prometheus: url, query: 'up', max: 10, max_ratio: 2 };
    const checks = expandChecks([spec], canaries);
    // When the baseline and then the check are taken
    const baselines = await takeBaselines(checks, 5_000, never);
    const [result] = await runCanaryChecks(checks, { canaries, cwd: process.cwd(), timeoutMs: 5_000, signal: never, baselines });
    // Then there is no baseline and the check fails
    expect(baselines.get('up')).toBeUndefined();
    expect(result).toMatchObject({ ok: false });
  }, 30_000);
});

async function waitForValue(prometheus: TestPrometheus, query: string, value: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const samples = await prometheus.query(query).catch(() => []);
    if (samples[0]?.value[1] === value) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${query} never reached ${value}`);
}
