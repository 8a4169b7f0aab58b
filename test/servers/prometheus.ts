/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for tests: its own prometheus.yml scraping
 * the test's exporters every second, its own TSDB folder, listening on a free loopback port.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertLoopback, reservePorts } from './ports.js';
import { cleanupSync, delay, findExecutable, onProcessExit, spawnService, startTimeoutMs, waitReady, type ServiceProcess } from './service-process.js';

export interface PrometheusSample {
  metric: Record<string, string>;
  /** [unix seconds, value as a string], as the API gives it. */
  value: [number, string];
}

export interface TestPrometheus {
  address: string;
  port: number;
  /** 'http://127.0.0.1:<port>' */
  url: string;
  /** Temp folder with prometheus.yml and data/ (removed by stop). */
  dir: string;
  configPath: string;
  pid: number;
  /** How long it took from spawn to /-/ready answering 200. */
  readyMs: number;
  /** An instant query (GET /api/v1/query); throws on an API error. */
  query(promql: string): Promise<PrometheusSample[]>;
  /** Polls the query until it returns at least one sample (e.g. the first scrape). */
  waitForSample(promql: string, options?: { timeoutMs?: number }): Promise<PrometheusSample[]>;
  /** Prometheus's output so far (last few KB). */
  outputTail(): string;
  /** Kills Prometheus and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Scrape targets 'host:port' (e.g. httpServer.target). */
  targets: string[];
  /** Job name of the scrape config (default 'exporter'). */
  job?: string;
  metricsPath?: string;
  /** Seconds (default 1) for scrape and rule evaluation. */
  intervalSeconds?: number;
  /** Rule file content (YAML, `groups:` ...), loaded as rules.yml. */
  rules?: string;
  address?: string;
  baseDir?: string;
  startTimeoutMs?: number;
  binary?: string;
}

const DEFAULT_BINARY = '/usr/bin/prometheus';

/** True when the Prometheus binary exists (Debian package `prometheus`). */
export function prometheusAvailable(binary = DEFAULT_BINARY): boolean {
  return process.platform === 'linux' && findExecutable(binary) !== undefined;
}

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  const address = options.address ?? '127.0.0.1';
  assertLoopback(address);
  const binary = findExecutable(options.binary ?? DEFAULT_BINARY);
  if (binary === undefined) throw new Error(`startPrometheus: ${options.binary ?? DEFAULT_BINARY} not found (apt-get install prometheus)`);
  const baseDir = options.baseDir ?? os.tmpdir();
  const dir = await mkdtemp(path.join(baseDir, 'deploy-svc-prometheus-'));
  const reservation = await reservePorts(1, { address }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const port = reservation.ports[0]!;
  const url = `http://${address}:${port}`;
  const configPath = path.join(dir, 'prometheus.yml');
  let service: ServiceProcess | undefined;
  // If the test process exits without stop(): kill Prometheus, remove its folder, free the port.
  const offExit = onProcessExit(() => cleanupSync(service, dir, reservation.release));
  const cleanup = async (): Promise<void> => {
    offExit();
    reservation.release();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    if (options.rules !== undefined) await writeFile(path.join(dir, 'rules.yml'), options.rules);
    await writeFile(configPath, prometheusConfig(options, options.rules !== undefined ? path.join(dir, 'rules.yml') : undefined));
    service = spawnService(
      [
        binary,
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=${address}:${port}`,
        `--web.external-url=${url}/`,
        '--log.level=warn',
      ],
      { cwd: dir, env: { HOME: dir }, label: `prometheus on ${address}:${port}` },
    );
  } catch (error) {
    await cleanup();
    throw error;
  }
  const label = `prometheus on ${address}:${port}`;
  const running = service;
  let readyMs: number;
  try {
    readyMs = await waitReady(running, async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200, {
      label,
      timeoutMs: startTimeoutMs(options.startTimeoutMs),
    });
  } catch (error) {
    await running.stop().catch(() => undefined);
    await cleanup();
    throw error;
  }

  const query = async (promql: string): Promise<PrometheusSample[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`prometheus query ${JSON.stringify(promql)} failed: ${body.error ?? res.status}`);
    if (body.data?.resultType !== 'vector') throw new Error(`prometheus query ${JSON.stringify(promql)}: expected a vector, got ${body.data?.resultType}`);
    return body.data.result as PrometheusSample[];
  };

  let stopping: Promise<void> | undefined;
  return {
    address,
    port,
    url,
    dir,
    configPath,
    pid: running.pid,
    readyMs,
    query,
    async waitForSample(promql, waitOptions = {}) {
      const timeoutMs = waitOptions.timeoutMs ?? 30_000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const samples = await query(promql);
        if (samples.length > 0) return samples;
        if (!running.alive()) throw new Error(`${label} exited while waiting for ${promql}: ${running.outputTail()}`);
        if (Date.now() > deadline) {
          throw new Error(`${label}: no sample for ${JSON.stringify(promql)} within ${timeoutMs} ms (targets: ${await targetHealth(url)})`);
        }
        await delay(200);
      }
    },
    outputTail: () => running.outputTail(),
    stop() {
      stopping ??= running.stop().finally(cleanup);
      return stopping;
    },
  };
}

/** The generated prometheus.yml (YAML is a superset of JSON: every value is JSON-quoted). */
export function prometheusConfig(options: PrometheusOptions, rulesPath?: string): string {
  const interval = `${options.intervalSeconds ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    ...(rulesPath !== undefined ? { rule_files: [rulesPath] } : {}),
    scrape_configs: [
      {
        job_name: options.job ?? 'exporter',
        metrics_path: options.metricsPath ?? '/metrics',
        static_configs: [{ targets: options.targets }],
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** One line about each scrape target's health, for error messages. */
async function targetHealth(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/api/v1/targets`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { data?: { activeTargets?: Array<{ scrapeUrl: string; health: string; lastError: string }> } };
    const targets = body.data?.activeTargets ?? [];
    return targets.map((t) => `${t.scrapeUrl} ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`).join('; ') || 'none';
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}
