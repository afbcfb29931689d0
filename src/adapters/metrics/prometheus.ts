// Prometheus as a MetricSource through the HTTP API (POST form, so long PromQL never hits
// URL limits). An instant query serves a check, which compares one number with a threshold,
// so we take the first sample; an empty result is "no data" (undefined), which the check
// treats apart from a failure. A range query serves a watched trigger: every series, each
// evaluated at every step of its hold window, so the window is read back whole at each tick. A query Prometheus cannot parse or run (400/422) is the plan's mistake and
// will not get better with retries; 5xx and network trouble will.
import { request } from 'undici';
import { describeNetworkFailure, RejectedError, UnavailableError } from '../errors';
import type { MetricRange, MetricSample, MetricSeries, MetricSource } from '../roles';

const VENDOR = 'prometheus';

export interface PrometheusMetricsOptions {
  url: string;
  timeoutMs?: number;
}

interface QueryResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

export class PrometheusMetrics implements MetricSource {
  private readonly base: string;

  constructor(private readonly options: PrometheusMetricsOptions) {
    this.base = `${options.url.replace(/\/+$/, '')}/api/v1`;
  }

  async query(query: string): Promise<MetricSample> {
    const data = await this.call('query', query, {});
    return sample(query, data.resultType, data.result);
  }

  async range(query: string, range: MetricRange): Promise<MetricSeries[]> {
    const data = await this.call('query_range', query, {
      start: String(range.start / 1000),
      end: String(range.end / 1000),
      step: `${Math.max(1, Math.round(range.stepMs))}ms`,
    });
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw new RejectedError(VENDOR, 200, `a range query answered a ${data.resultType ?? 'unknown'} result, not a matrix (query: ${query})`);
    }
    return (data.result as { metric?: Record<string, string>; values?: [number, string][] }[]).map((series) => ({
      labels: series.metric ?? {},
      points: (series.values ?? []).map(([at, value]) => ({ at: Math.round(at * 1000), value: number(value) })),
    }));
  }

  private async call(path: 'query' | 'query_range', query: string, params: Record<string, string>): Promise<NonNullable<QueryResponse['data']>> {
    const endpoint = `${this.base}/${path}`;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let status: number;
    let text: string;
    try {
      const res = await request(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        // Prometheus' own evaluation limit, a little under ours so it answers first.
        body: new URLSearchParams({ query, ...params, timeout: `${Math.max(1, Math.floor(timeoutMs / 1000) - 1)}s` }).toString(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw new UnavailableError(VENDOR, `${endpoint}: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    const body = parse(text);
    if (status === 400 || status === 422)
      throw new RejectedError(VENDOR, status, `${body.errorType ?? 'bad_data'}: ${body.error ?? text.slice(0, 200)} (query: ${query})`);
    if (status >= 500 || status === 429) throw new UnavailableError(VENDOR, body.error ?? text.slice(0, 200), status);
    if (status !== 200 || body.status !== 'success' || !body.data)
      throw new UnavailableError(VENDOR, `unexpected answer (HTTP ${status}): ${text.slice(0, 200)}`, status);
    return body.data;
  }
}

function parse(text: string): QueryResponse {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

/** "1.5", "NaN", "+Inf", "-Inf" as Prometheus writes sample values. */
function number(value: unknown): number {
  if (value === '+Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  return Number(value);
}

function at(timestamp: unknown): string {
  return new Date(Number(timestamp) * 1000).toISOString();
}

function sample(query: string, resultType: string | undefined, result: unknown): MetricSample {
  if (resultType === 'vector' && Array.isArray(result)) {
    const first = result[0] as { value?: [number, string] } | undefined;
    if (!first?.value) return { value: undefined, at: new Date().toISOString(), query };
    return { value: number(first.value[1]), at: at(first.value[0]), query };
  }
  if (resultType === 'scalar' && Array.isArray(result)) return { value: number(result[1]), at: at(result[0]), query };
  // A range vector (`x[5m]`) or a string has no single value to compare with a threshold.
  throw new RejectedError(
    VENDOR,
    200,
    `query returns a ${resultType ?? 'unknown'} result, not a number; wrap a range in a function such as rate() (query: ${query})`,
  );
}
