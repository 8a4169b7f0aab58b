import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from './http-server.js';
import { pidAlive, processesMentioning } from './leftovers.js';
import { canBind } from './ports.js';
import { prometheusAvailable, prometheusConfig, startPrometheus } from './prometheus.js';

const available = prometheusAvailable();
if (!available && process.env.CI) throw new Error('the service harness tests need /usr/bin/prometheus (see test/servers/ci-install.sh)');

describe.skipIf(!available)('prometheus harness', () => {
  it('scrapes the test exporter: a query returns the value the test set, then a new one', async () => {
    // Given an exporter with a gauge per host, and Prometheus scraping it every second
    const exporter = await startHttpServer();
    exporter.setGauge('php_fpm_busy_ratio', { host: 'mw01' }, 0.5);
    exporter.setGauge('php_fpm_busy_ratio', { host: 'mw02' }, 0.25);
    const prometheus = await startPrometheus({ targets: [exporter.target], job: 'php' });
    try {
      console.log(`prometheus ready after ${prometheus.readyMs} ms`);
      // When we wait for the first scrape
      const t0 = Date.now();
      const samples = await prometheus.waitForSample('php_fpm_busy_ratio{host="mw01"}');
      console.log(`first sample after ${Date.now() - t0} ms more`);
      // Then the query returns the exporter's value, labelled with the job and the target
      expect(samples).toHaveLength(1);
      expect(samples[0]!.value[1]).toBe('0.5');
      expect(samples[0]!.metric).toMatchObject({ __name__: 'php_fpm_busy_ratio', host: 'mw01', job: 'php', instance: exporter.target });
      expect(exporter.requestCount('/metrics')).toBeGreaterThan(0);
      // When the exporter changes its value, Then a later scrape shows it
      exporter.setGauge('php_fpm_busy_ratio', { host: 'mw01' }, 0.9);
      await prometheus.waitForSample('php_fpm_busy_ratio{host="mw01"} == 0.9');
      expect((await prometheus.query('sum(php_fpm_busy_ratio)'))[0]!.value[1]).toBe('1.15');
      // And a query for something absent is an empty vector, a bad query an error
      expect(await prometheus.query('absent_metric_xyz')).toEqual([]);
      await expect(prometheus.query('sum(')).rejects.toThrow(/failed/);
    } finally {
      await prometheus.stop();
      await exporter.stop();
    }
    // Then no process, port or folder is left behind
    expect(pidAlive(prometheus.pid)).toBe(false);
    expect(processesMentioning(prometheus.dir)).toEqual([]);
    expect(existsSync(prometheus.dir)).toBe(false);
    expect(await canBind('127.0.0.1', prometheus.port)).toBe(true);
    await prometheus.stop(); // idempotent
  });

  it('loads rules given by the test (evaluated every second)', async () => {
    // Given a recording rule over the exporter's counter
    const exporter = await startHttpServer();
    exporter.setCounter('errors_total', { host: 'mw03' }, 7);
    const prometheus = await startPrometheus({
      targets: [exporter.target],
      rules: 'groups:\n  - name: test\n    rules:\n      - record: host:errors:max\n        expr: max by (host) (errors_total)\n',
    });
    try {
      // When we wait for the recorded series, Then it has the counter's value
      const samples = await prometheus.waitForSample('host:errors:max');
      expect(samples[0]!.metric).toEqual({ __name__: 'host:errors:max', host: 'mw03' });
      expect(samples[0]!.value[1]).toBe('7');
    } finally {
      await prometheus.stop();
      await exporter.stop();
    }
  });

  it("fails fast with Prometheus's own message when the config is bad, leaving nothing behind", async () => {
    // Given a rule Prometheus cannot parse
    const rules = 'groups:\n  - name: bad\n    rules:\n      - record: x\n        expr: "sum("\n';
    // When it is started, Then the error carries its own complaint
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'prometheus-test-'));
    try {
      await expect(startPrometheus({ targets: ['127.0.0.1:9'], rules, baseDir })).rejects.toThrow(/exited before it was ready; it said: .*parse error/is);
      // And neither its process nor its folder is left
      expect(processesMentioning(baseDir)).toEqual([]);
      expect(readdirSync(baseDir)).toEqual([]);
    } finally {
      await rm(baseDir, { recursive: true, force: true });
    }
  });

  it('writes a config with the targets, a 1 s scrape and evaluation interval, and the rules file', () => {
    // Given / When
    const config = JSON.parse(prometheusConfig({ targets: ['127.0.0.1:1234'], job: 'php' }, '/tmp/x/rules.yml'));
    // Then
    expect(config).toEqual({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: ['/tmp/x/rules.yml'],
      scrape_configs: [{ job_name: 'php', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:1234'] }] }],
    });
  });
});
