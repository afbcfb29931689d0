// The demo's real chain on this machine: the demo service in its stable and bad versions,
// a real nginx in front (upstream pools the plan's traffic adapter shifts between), a real
// Prometheus scraping both every second, and a bounded load generator that records each
// answer's status and which version gave it, by time.
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus';
import { NginxRouter } from '../../src/adapters/traffic/nginx';
import type { NginxTrafficConfig } from '../../src/plan/language/adapters';
import { type DemoService, startDemoService } from '../../src/demo/service';
import { startNginx, startPrometheus, waitFor, type NginxServer, type PrometheusOptions, type PrometheusServer } from './servers';

export interface DemoWorldOptions {
  /** The plan's service name: nginx's upstream block and the traffic adapter's service. */
  service: string;
  /** Pool names as the plan's steps say them (`traffic.shift … to: <stable>`). */
  pools?: { stable: string; bad: string };
  /** Share of the bad version's answers that are 500. */
  errorRate?: number;
  /** Metric name prefix: the plan's queries name it (seed 002 reads `lens_…`). */
  metricPrefix?: string;
  /** Share of requests nginx sends to the bad version at the start, in percent (0 = all on stable). */
  badPercent?: number;
  /** Rule files and an Alertmanager for the world's Prometheus. */
  prometheus?: PrometheusOptions;
}

export interface DemoWorld {
  stable: DemoService;
  bad: DemoService;
  nginx: NginxServer;
  prometheus: PrometheusServer;
  router: NginxRouter;
  /** The plan's `adapters.traffic` for this nginx. */
  traffic: NginxTrafficConfig;
  pools: { stable: string; bad: string };
  stop(): Promise<void>;
}

export async function startDemoWorld(options: DemoWorldOptions): Promise<DemoWorld> {
  const pools = options.pools ?? { stable: 'stable', bad: 'bad' };
  const prefix = options.metricPrefix ?? 'demo';
  const stable = await startDemoService({ version: 'stable', metricPrefix: prefix });
  const bad = await startDemoService({ version: 'bad', metricPrefix: prefix, errorRate: options.errorRate ?? 0.5 });
  const started: { stop(): Promise<void> }[] = [stable, bad];
  try {
    const nginx = await startNginx({
      upstreams: `upstream ${options.service} {\n    server ${stable.address} weight=1;\n    server ${bad.address} down;\n}\n`,
      routes: { '/': options.service },
    });
    started.push(nginx);
    const traffic: NginxTrafficConfig = {
      type: 'nginx',
      conf: nginx.conf,
      upstreamFile: nginx.upstreamFile,
      statusUrl: nginx.statusUrl,
      binary: nginx.binary,
      services: { [options.service]: { pools: { [pools.stable]: [stable.address], [pools.bad]: [bad.address] } } },
    };
    const router = new NginxRouter(traffic);
    if (options.badPercent) await router.shift(options.service, pools.bad, options.badPercent);
    const prometheus = await startPrometheus([stable.address, bad.address], options.prometheus);
    started.push(prometheus);
    // Ready once Prometheus has scraped both versions (its first scrape comes a few seconds after start).
    const metrics = new PrometheusMetrics({ url: prometheus.url });
    await waitFor(async () => (await metrics.query('count(up == 1)')).value === 2, 30_000);
    return {
      stable,
      bad,
      nginx,
      prometheus,
      router,
      traffic,
      pools,
      stop: async () => {
        await Promise.all(started.map((s) => s.stop()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
}

export interface Answer {
  /** When the request was sent and answered, epoch ms. */
  sentAt: number;
  answeredAt: number;
  /** HTTP status, or 0 when no answer came (connection refused, timeout). */
  status: number;
  /** The version that answered (the demo's `x-demo-version` header), when one did. */
  version?: string;
}

export interface Load {
  answers: Answer[];
  /** Resolves when the last request has been answered (or given up on). */
  done: Promise<Answer[]>;
  /** Stops sending before the end; the requests under way still finish. */
  stop(): Promise<Answer[]>;
}

/**
 * Sends `perSecond` GETs a second to `url` for `seconds` (never more than that many in
 * all), each with a 5 s timeout; answers are recorded as they come.
 */
export function generateLoad(url: string, perSecond: number, seconds: number): Load {
  const answers: Answer[] = [];
  const total = Math.max(1, Math.round(perSecond * seconds));
  const gapMs = 1000 / perSecond;
  const start = Date.now();
  let stopped = false;
  const inFlight: Promise<void>[] = [];
  const one = async (): Promise<void> => {
    const sentAt = Date.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      const version = res.headers.get('x-demo-version');
      answers.push({ sentAt, answeredAt: Date.now(), status: res.status, ...(version ? { version } : {}) });
    } catch {
      answers.push({ sentAt, answeredAt: Date.now(), status: 0 });
    }
  };
  const run = (async () => {
    for (let i = 0; i < total && !stopped; i++) {
      const wait = start + i * gapMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped) break;
      inFlight.push(one());
    }
    await Promise.all(inFlight);
    return answers.sort((a, b) => a.sentAt - b.sentAt);
  })();
  return {
    answers,
    done: run,
    stop: () => {
      stopped = true;
      return run;
    },
  };
}

/** Answers to requests sent at or after `from` (epoch ms), counted by version ("none" for no answer) and status. */
export function answersAfter(answers: readonly Answer[], from: number): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const a of answers.filter((x) => x.sentAt >= from)) {
    const key = `${a.version ?? 'none'} ${a.status}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}
