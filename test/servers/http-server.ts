/**
 * A tiny HTTP server for tests (node:http, in this process): the test sets routes (status,
 * body, headers, delay) at runtime and counts requests. It doubles as a Prometheus exporter:
 * `/metrics` serves the gauges and counters the test sets, in the text exposition format.
 */
import http from 'node:http';
import { reservePorts, assertLoopback } from './ports.js';

export interface HttpRoute {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Waits this long before answering (to make a client time out). */
  delayMs?: number;
}

export type MetricLabels = Record<string, string>;

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string. */
  url: string;
  at: number;
}

export interface TestHttpServer {
  address: string;
  port: number;
  /** 'http://127.0.0.1:<port>' */
  url: string;
  /** '127.0.0.1:<port>', as a Prometheus static target. */
  target: string;
  /** Answers requests for this exact path (query ignored) from now on. */
  setRoute(path: string, route: HttpRoute): void;
  removeRoute(path: string): void;
  /** How many requests arrived (for one path, or in all). */
  requestCount(path?: string): number;
  requests(): RecordedRequest[];
  setGauge(name: string, labels: MetricLabels, value: number): void;
  setCounter(name: string, labels: MetricLabels, value: number): void;
  incCounter(name: string, labels: MetricLabels, by?: number): void;
  /** Removes one series (labels given) or the whole metric. */
  removeMetric(name: string, labels?: MetricLabels): void;
  /** What /metrics serves now. */
  metricsText(): string;
  /** Closes the server and every open connection. Idempotent. */
  stop(): Promise<void>;
}

interface Metric {
  type: 'gauge' | 'counter';
  series: Map<string, { labels: MetricLabels; value: number }>;
}

/**
 * Starts the server on `address` (default 127.0.0.1) and a reserved free port (or `port`).
 * Paths without a route answer `notFoundStatus` (404); `/metrics` answers the metrics unless a
 * route for it is set.
 */
export async function startHttpServer(
  options: {
    address?: string;
    port?: number;
    routes?: Record<string, HttpRoute>;
    notFoundStatus?: number;
    /** Keep connections open between requests (default false: every answer says
     * `Connection: close`, so no client reuses a connection to a stopped server's port). */
    keepAlive?: boolean;
  } = {},
): Promise<TestHttpServer> {
  const address = options.address ?? '127.0.0.1';
  assertLoopback(address);
  const reservation = options.port === undefined ? await reservePorts(1, { address }) : undefined;
  const port = options.port ?? reservation!.ports[0]!;
  const routes = new Map<string, HttpRoute>(Object.entries(options.routes ?? {}));
  const metrics = new Map<string, Metric>();
  const log: RecordedRequest[] = [];

  const metricsText = (): string => renderMetrics(metrics);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    log.push({ method: req.method ?? 'GET', path, url, at: Date.now() });
    const route = routes.get(path) ?? (path === '/metrics' ? { headers: { 'content-type': 'text/plain; version=0.0.4' }, body: metricsText() } : undefined);
    if (!options.keepAlive) res.shouldKeepAlive = false;
    const answer = (): void => {
      if (res.destroyed) return;
      if (route === undefined) {
        res.writeHead(options.notFoundStatus ?? 404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(route.status ?? 200, { 'content-type': 'text/plain', ...route.headers }).end(route.body ?? '');
    };
    if (route?.delayMs) setTimeout(answer, route.delayMs).unref();
    else answer();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    reservation?.release();
    throw new Error(`http test server: cannot listen on ${address}:${port}: ${(error as Error).message}`);
  }
  server.unref();

  const metric = (name: string, type: Metric['type']): Metric => {
    assertName(name);
    const found = metrics.get(name) ?? { type, series: new Map() };
    if (found.type !== type) throw new Error(`http test server: metric ${name} is a ${found.type}, not a ${type}`);
    metrics.set(name, found);
    return found;
  };
  const setSeries = (m: Metric, labels: MetricLabels, value: number): void => {
    const key = labelKey(labels);
    m.series.set(key, { labels: m.series.get(key)?.labels ?? { ...labels }, value });
  };
  let stopping: Promise<void> | undefined;

  return {
    address,
    port,
    url: `http://${address}:${port}`,
    target: `${address}:${port}`,
    setRoute: (path, route) => void routes.set(path, route),
    removeRoute: (path) => void routes.delete(path),
    requestCount: (path) => (path === undefined ? log.length : log.filter((r) => r.path === path).length),
    requests: () => log.map((r) => ({ ...r })),
    setGauge: (name, labels, value) => setSeries(metric(name, 'gauge'), labels, value),
    setCounter: (name, labels, value) => setSeries(metric(name, 'counter'), labels, value),
    incCounter(name, labels, by = 1) {
      const m = metric(name, 'counter');
      setSeries(m, labels, (m.series.get(labelKey(labels))?.value ?? 0) + by);
    },
    removeMetric(name, labels) {
      if (labels === undefined) metrics.delete(name);
      else metrics.get(name)?.series.delete(labelKey(labels));
    },
    metricsText,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => reservation?.release());
      return stopping;
    },
  };
}

/** Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(metrics: Map<string, Metric>): string {
  const lines: string[] = [];
  for (const [name, m] of metrics) {
    lines.push(`# TYPE ${name} ${m.type}`);
    for (const { labels, value } of m.series.values()) {
      const rendered = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${name}${rendered === '' ? '' : `{${rendered}}`} ${formatValue(value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function labelKey(labels: MetricLabels): string {
  for (const k of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || k.startsWith('__')) throw new Error(`http test server: bad label name ${JSON.stringify(k)}`);
  }
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function assertName(name: string): void {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`http test server: bad metric name ${JSON.stringify(name)}`);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
