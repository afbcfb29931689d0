// PrometheusMetrics against a real Prometheus scraping a /metrics endpoint we control.
import { RejectedError, UnavailableError } from '../../../src/adapters/errors';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { caught } from '../../support/caught';
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
