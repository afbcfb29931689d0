// What the worker shows Prometheus at GET /metrics on WORKER_METRICS_PORT, in one scrape:
// - its own metrics (prom-client), observed at the activity boundary where the facts are:
//   how long each step took by type and result, which notifier failed, what each watched
//   trigger's evaluation came to;
// - the Temporal SDK's metrics (worker slots, task latencies, …) and the decision latency that
//   closed runs report through the workflow metric meter (src/workflows/interceptors.ts), both
//   exported by the Runtime's Prometheus exporter on a loopback port of its own and appended.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { RunStepInput } from '../activities/runStep';
import type { TriggerReading } from '../activities/watch';
import type { ActionRecord } from '../adapters/roles';
import type { SecretNames } from './logging';

export interface WorkerMetrics {
  registry: Registry;
  stepDuration: Histogram<'type' | 'result'>;
  notifierFailures: Counter<'notifier'>;
  watchEvaluations: Counter<'watcher' | 'trigger' | 'result'>;
}

export function workerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    stepDuration: new Histogram({
      name: 'rollback_step_duration_seconds',
      help: 'How long a step took (one activity attempt), by step type and result: ok, failed (the target or command said no), error (the attempt threw)',
      labelNames: ['type', 'result'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    notifierFailures: new Counter({
      name: 'rollback_notifier_failures_total',
      help: 'Notification attempts that failed, by notifier (slack, pagerduty); each retry that fails counts',
      labelNames: ['notifier'] as const,
      registers: [registry],
    }),
    watchEvaluations: new Counter({
      name: 'rollback_watch_evaluations_total',
      help: 'Watched metric triggers evaluated, by watcher (its workflow id), trigger and result: fired (held for its window), holding, clear, error (the source could not be read)',
      labelNames: ['watcher', 'trigger', 'result'] as const,
      registers: [registry],
    }),
  };
}

/** What one evaluation of a watched trigger came to. */
function watchResult(reading: TriggerReading): string {
  if (reading.error !== undefined) return 'error';
  if (reading.evaluation?.fired) return 'fired';
  return reading.evaluation?.since === undefined ? 'clear' : 'holding';
}

/** The notifier each notifying activity talks to (src/activities/index.ts). */
const NOTIFIER_OF: Record<string, (input: unknown) => string | undefined> = {
  notify: (input) => (input as { to?: { notifier?: string } }).to?.notifier,
  pagerdutyEvent: () => 'pagerduty',
  postSlackMessage: () => 'slack',
  requestApproval: () => 'slack',
  showDecision: () => 'slack',
};

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

class ObservedActivity implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly metrics: WorkerMetrics,
    private readonly secrets: SecretNames,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const activity = this.ctx.info.activityType;
    const [arg] = input.args;
    this.secrets.learnFrom(arg);
    if (activity === 'runStep') return this.step(arg as RunStepInput, () => next(input) as Promise<ActionRecord>);
    if (activity === 'evaluateWatchedTriggers') {
      const readings = (await next(input)) as TriggerReading[];
      const watcher = this.ctx.info.workflowExecution?.workflowId ?? 'unknown';
      for (const reading of readings) this.metrics.watchEvaluations.inc({ watcher, trigger: reading.trigger, result: watchResult(reading) });
      return readings;
    }
    const notifier = NOTIFIER_OF[activity]?.(arg);
    if (!notifier) return next(input);
    try {
      return await next(input);
    } catch (err) {
      this.metrics.notifierFailures.inc({ notifier });
      this.ctx.log.warn(`${notifier} notification failed (attempt ${this.ctx.info.attempt}): ${errorMessage(err)}`, { notifier });
      throw err;
    }
  }

  private async step(input: RunStepInput, run: () => Promise<ActionRecord>): Promise<ActionRecord> {
    const type = input.step.type;
    const started = performance.now();
    let result = 'error';
    try {
      const record = await run();
      result = record.ok ? 'ok' : 'failed';
      // A failed step's output is what the on-call reads first; secret values are masked by the logger.
      this.ctx.log.info(`step ${type} ${result}: ${record.summary}`, {
        stepKey: input.stepKey,
        stepType: type,
        result,
        ...(record.ok || record.output === undefined ? {} : { output: record.output }),
      });
      return record;
    } catch (err) {
      this.ctx.log.warn(`step ${type} could not run (attempt ${this.ctx.info.attempt}): ${errorMessage(err)}`, { stepKey: input.stepKey, stepType: type });
      throw err;
    } finally {
      this.metrics.stepDuration.observe({ type, result }, (performance.now() - started) / 1000);
    }
  }
}

/** The worker's activity interceptor: step durations, notifier failures, and the secret names plans give. */
export function observeActivities(metrics: WorkerMetrics, secrets: SecretNames): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new ObservedActivity(ctx, metrics, secrets) });
}

/** A free loopback address for the SDK's exporter, which only the worker's /metrics reads. */
export async function freeLoopbackAddress(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return `127.0.0.1:${port}`;
}

/** The SDK's exposition text; a comment line saying why when it cannot be read. */
async function sdkMetrics(address: string): Promise<string> {
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch (err) {
    return `# Temporal SDK metrics could not be read from ${address}: ${errorMessage(err)}\n`;
  }
}

export interface MetricsEndpoint {
  server: Server;
  /** Where it listens, `host:port`. */
  address: string;
}

/**
 * Serves GET /metrics on host:port (port 0: any free port). A port that cannot be bound is
 * logged and the worker runs on: metrics never stop a rollback.
 */
export async function serveMetrics(
  options: { host: string; port: number; metrics: WorkerMetrics; sdkAddress: string },
  log: Logger,
): Promise<MetricsEndpoint | undefined> {
  const { registry } = options.metrics;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    void Promise.all([registry.metrics(), sdkMetrics(options.sdkAddress)]).then(
      ([own, sdk]) => res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${errorMessage(err)}\n`),
    );
  });
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.port, options.host, done);
    });
  } catch (err) {
    log.error({ err }, `metrics are not served: cannot listen on ${options.host}:${options.port} (WORKER_METRICS_PORT)`);
    return undefined;
  }
  server.unref();
  const { port } = server.address() as AddressInfo;
  return { server, address: `${options.host}:${port}` };
}
