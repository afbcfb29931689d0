// The demo service a plan can watch: one HTTP service in two versions, "stable" and "bad",
// the bad one answering 5xx at a configurable rate. It exposes what a real service would
// for Prometheus: requests by status code, the 5xx among them, a latency histogram and the
// requests in flight; `/health` answers 200 while the process runs. Not part of the worker
// or the workflow bundle: the README's "Watching a plan" runs it, and so do the tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type DemoVersion = 'stable' | 'bad';

export interface DemoOptions {
  version: DemoVersion;
  /** Share of requests the bad version answers with 500, 0..1 (stable never fails). */
  errorRate?: number;
  /** Prefix of every metric name (`<prefix>_requests_total`, …); "demo" by default. */
  metricPrefix?: string;
  port?: number;
  host?: string;
  /** Extra latency per request, milliseconds (the bad version's is doubled). */
  latencyMs?: number;
}

export interface DemoService {
  version: DemoVersion;
  port: number;
  /** host:port, as an upstream `server` line or a scrape target wants it. */
  address: string;
  url: string;
  stop(): Promise<void>;
}

/** Whether the n-th request fails: spreads failures evenly, so a rate holds from the first requests on. */
function failsAt(n: number, rate: number): boolean {
  return Math.floor(n * rate) !== Math.floor((n - 1) * rate);
}

export function demoMetrics(prefix: string) {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({ name: `${prefix}_requests_total`, help: 'Requests answered, by status code.', labelNames: ['code'], registers: [registry] }),
    errors: new Counter({ name: `${prefix}_requests_errors_total`, help: 'Requests answered with a 5xx status.', registers: [registry] }),
    duration: new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'Time to answer a request.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: `${prefix}_requests_in_flight`, help: 'Requests being answered now.', registers: [registry] }),
  };
}

export async function startDemoService(options: DemoOptions): Promise<DemoService> {
  const { version } = options;
  const errorRate = version === 'bad' ? (options.errorRate ?? 0.5) : 0;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new Error(`error rate must be between 0 and 1, got ${options.errorRate}`);
  const latencyMs = (options.latencyMs ?? 0) * (version === 'bad' ? 2 : 1);
  const metrics = demoMetrics(options.metricPrefix ?? 'demo');
  let served = 0;

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${version}\n`);
      return;
    }
    metrics.inFlight.inc();
    const stop = metrics.duration.startTimer();
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const code = failsAt(++served, errorRate) ? 500 : 200;
    // The version answers in a header and the body, so a load generator sees who served it.
    res.writeHead(code, { 'content-type': 'text/plain', 'x-demo-version': version });
    res.end(code === 200 ? version : `${version}: simulated failure`);
    stop();
    metrics.inFlight.dec();
    metrics.requests.inc({ code: String(code) });
    if (code >= 500) metrics.errors.inc();
  };

  const server: Server = createServer((req, res) => {
    answer(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(err.message);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', done);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    version,
    port,
    address: `${address}:${port}`,
    url: `http://${address}:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
