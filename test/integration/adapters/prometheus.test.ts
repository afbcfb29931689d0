// PrometheusMetrics against a real Prometheus scraping a /metrics endpoint we control.
import { expect } from '@jest/globals';
import { RejectedError, UnavailableError } from '../../../src/adapters/errors';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { caught } from '../../support/caught';
import { answersAfter, generateLoad, startDemoWorld, type DemoWorld } from '../../support/demoWorld';
import { startMetricsEndpoint, startPrometheus, stopAll, waitFor, type PrometheusServer } from '../../support/servers';
import { freePort } from '../../support/servers/process';

describe('PrometheusMetrics (real Prometheus)', () => {
  let prometheus: PrometheusServer;
  let endpoint: Awaited<ReturnType<typeof startMetricsEndpoint>>;
  let metrics: PrometheusMetrics;

  beforeAll(async () => {
    endpoint = await startMetricsEndpoint(
      () => `# TYPE checkout_error_ratio gauge
checkout_error_ratio{service="checkout"} 0.0042
# TYPE checkout_requests_total counter
checkout_requests_total{service="checkout",code="500"} 7
checkout_requests_total{service="checkout",code="200"} 1650
`,
    );
    prometheus = await startPrometheus([endpoint.address]);
    metrics = new PrometheusMetrics({ url: prometheus.url });
    // The first scrape lands within about a second.
    await waitFor(async () => (await metrics.query('checkout_error_ratio')).value !== undefined, 15_000);
  });

  afterAll(async () => {
    await stopAll();
    await endpoint?.stop();
  });

  it('returns the value of the scraped series, with its sample time', async () => {
    const sample = await metrics.query('checkout_error_ratio{service="checkout"}');
    expect(sample.value).toBe(0.0042);
    expect(sample.query).toBe('checkout_error_ratio{service="checkout"}');
    expect(Date.now() - Date.parse(sample.at)).toBeLessThan(60_000);
    // Expressions evaluate on the server: the 5xx share of requests.
    const ratio = await metrics.query('sum(checkout_requests_total{code=~"5.."}) / sum(checkout_requests_total)');
    expect(ratio.value).toBeCloseTo(7 / 1657, 10);
    await expect(metrics.query('up{job="test"}')).resolves.toMatchObject({ value: 1 });
    await expect(metrics.query('scalar(checkout_error_ratio) * 100')).resolves.toMatchObject({ value: 0.42 });
  });

  it('returns undefined when nothing matches', async () => {
    await expect(metrics.query('checkout_error_ratio{service="payments"}')).resolves.toMatchObject({ value: undefined });
  });

  it('rejects bad PromQL (not retryable) and range vectors', async () => {
    const error = await caught(metrics.query('sum(rate(checkout_requests_total[5m])'));
    expect(error).toBeInstanceOf(RejectedError);
    expect((error as RejectedError).status).toBe(400);
    expect((error as RejectedError).retryable).toBe(false);
    expect((error as Error).message).toContain('parse error');
    expect(await caught(metrics.query('checkout_error_ratio[1m]'))).toBeInstanceOf(RejectedError);
  });

  it('reports an unreachable Prometheus as unavailable (retryable)', async () => {
    const down = new PrometheusMetrics({ url: `http://127.0.0.1:${await freePort()}` });
    const error = await caught(down.query('up'));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

describe('PrometheusMetrics range queries (real Prometheus scraping the demo service behind nginx)', () => {
  let world: DemoWorld;
  let metrics: PrometheusMetrics;

  beforeAll(async () => {
    // Half the traffic on the bad version, which fails half its requests: a quarter of all answers are 500.
    world = await startDemoWorld({ service: 'demo', errorRate: 0.5, badPercent: 50 });
    metrics = new PrometheusMetrics({ url: world.prometheus.url });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('returns every series at each step of the range, with the samples own timestamps', async () => {
    const load = generateLoad(world.nginx.url, 20, 8);
    const answers = await load.done;
    expect(answersAfter(answers, 0)).toMatchObject({ 'bad 500': expect.any(Number), 'stable 200': expect.any(Number) });
    const end = Date.now();
    const start = end - 6000;
    const series = await metrics.range('sum by (instance) (increase(demo_requests_errors_total[1m]))', { start, end, stepMs: 1000 });
    // One series per demo instance, told apart by their labels.
    expect(series.map((s) => s.labels.instance).sort()).toEqual([world.bad.address, world.stable.address].sort());
    const bad = series.find((s) => s.labels.instance === world.bad.address)!;
    const stable = series.find((s) => s.labels.instance === world.stable.address)!;
    // Steps of one second from start to end, as Prometheus evaluated them.
    const steps = bad.points.map((p) => p.at);
    expect(steps.length).toBeGreaterThanOrEqual(5);
    steps.slice(1).forEach((at, i) => expect(at - steps[i]).toBe(1000));
    expect(steps[0]).toBeGreaterThanOrEqual(start);
    expect(steps.at(-1)).toBeLessThanOrEqual(end);
    expect(Math.max(...bad.points.map((p) => p.value))).toBeGreaterThan(0);
    expect(stable.points.every((p) => p.value === 0)).toBe(true);
    // The seed's error-rate expression over the demo's metrics: about a quarter of the answers failed.
    const [ratio] = await metrics.range('sum(rate(demo_requests_errors_total[1m])) / sum(rate(demo_requests_total[1m]))', { start, end, stepMs: 1000 });
    expect(ratio.labels).toEqual({});
    expect(ratio.points.at(-1)!.value).toBeGreaterThan(0.1);
    expect(ratio.points.at(-1)!.value).toBeLessThan(0.4);
  });

  it('answers an empty list when nothing matches, and refuses bad PromQL', async () => {
    await expect(metrics.range('demo_requests_total{code="418"}', { start: Date.now() - 5000, end: Date.now(), stepMs: 1000 })).resolves.toEqual([]);
    const error = await caught(metrics.range('sum(rate(demo_requests_total[1m])', { start: Date.now() - 5000, end: Date.now(), stepMs: 1000 }));
    expect(error).toBeInstanceOf(RejectedError);
    expect((error as RejectedError).retryable).toBe(false);
  });

  it('reports an unreachable Prometheus as unavailable (retryable)', async () => {
    const down = new PrometheusMetrics({ url: `http://127.0.0.1:${await freePort()}` });
    const error = await caught(down.range('up', { start: Date.now() - 5000, end: Date.now(), stepMs: 1000 }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).retryable).toBe(true);
  });
});
