// What the API shows Prometheus at GET /metrics: webhooks by outcome, alerts by outcome, and
// the open incidents by plan and stage, counted from Temporal's visibility (the search
// attributes the runs keep up to date) and cached briefly, so that a scrape every few
// seconds from several Prometheus servers costs Temporal one listing per cache period.
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { ROLLBACK_WORKFLOW, SearchAttributes, Stage } from '../workflows/messages';

/** How long one count of the open incidents answers scrapes. */
export const OPEN_INCIDENTS_CACHE_MS = 10_000;

/** A webhook's answer, by what it means to whoever sent it. */
export const WebhookOutcome = {
  /** 202: every alert was handed on. */
  Accepted: 'accepted',
  /** 422: at least one alert was refused (the good ones of the same request were accepted). */
  Refused: 'refused',
  /** 400, 413, 415: the request itself is not an Alertmanager webhook. */
  Invalid: 'invalid',
  /** 401, 403: no credential, or one without `alerts:write`. */
  Unauthorized: 'unauthorized',
  /** 503: Temporal could not be reached; Alertmanager sends it again. */
  Unavailable: 'unavailable',
  /** Any other answer (500). */
  Error: 'error',
} as const;
export type WebhookOutcome = (typeof WebhookOutcome)[keyof typeof WebhookOutcome];

export function webhookOutcome(statusCode: number): WebhookOutcome {
  if (statusCode < 300) return WebhookOutcome.Accepted;
  if (statusCode === 422) return WebhookOutcome.Refused;
  if (statusCode === 401 || statusCode === 403) return WebhookOutcome.Unauthorized;
  if (statusCode === 503) return WebhookOutcome.Unavailable;
  if (statusCode < 500) return WebhookOutcome.Invalid;
  return WebhookOutcome.Error;
}

export interface OpenIncidentCount {
  plan: string;
  stage: string;
  /** `drill` for drills, `incident` for real runs. */
  kind: 'incident' | 'drill';
  count: number;
}

const OPEN_RUNS_QUERY = `WorkflowType = '${ROLLBACK_WORKFLOW}' AND ExecutionStatus = 'Running'`;

/** Open rollback runs grouped by their search attributes (plan, stage, drill or not). */
export async function countOpenIncidents(client: Client): Promise<OpenIncidentCount[]> {
  const counts = new Map<string, OpenIncidentCount>();
  for await (const run of client.workflow.list({ query: OPEN_RUNS_QUERY })) {
    const attrs = run.typedSearchAttributes;
    const plan = attrs.get(SearchAttributes.plan) ?? '';
    // A run gets its stage at its first workflow task; before that it is detecting.
    const stage = attrs.get(SearchAttributes.stage) ?? Stage.Detect;
    const kind = attrs.get(SearchAttributes.drill) === undefined ? 'incident' : 'drill';
    const key = `${plan}\u0000${stage}\u0000${kind}`;
    const entry = counts.get(key) ?? { plan, stage, kind, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}

/** One count shared by every scrape within `ttlMs`, and by scrapes that arrive while it runs. */
export function cachedCount<T>(count: () => Promise<T>, now: () => number, ttlMs = OPEN_INCIDENTS_CACHE_MS): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (!cached || at - cached.at >= ttlMs) {
      const value = count();
      cached = { at, value };
      // A failed count is not kept: the next scrape asks again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

export interface ApiMetrics {
  registry: Registry;
  webhooks: Counter<'outcome'>;
  alerts: Counter<'outcome'>;
}

export function apiMetrics(client: Client, now: () => number): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const openIncidents = cachedCount(() => countOpenIncidents(client), now);
  // Both gauges read the same cached count (a scrape collects them at the same time).
  new Gauge({
    name: 'rollback_open_incidents_visible',
    help: '1 when the count of open incidents reached Temporal, 0 when it could not (rollback_open_incidents is then empty)',
    registers: [registry],
    async collect() {
      this.set(
        await openIncidents().then(
          () => 1,
          () => 0,
        ),
      );
    },
  });
  new Gauge({
    name: 'rollback_open_incidents',
    help: `Open rollback runs by plan, stage and kind (incident or drill), from Temporal visibility, counted at most every ${OPEN_INCIDENTS_CACHE_MS / 1000} s`,
    labelNames: ['plan', 'stage', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await openIncidents().catch(() => []);
      for (const { plan, stage, kind, count } of counts) this.set({ plan, stage, kind }, count);
    },
  });
  return {
    registry,
    webhooks: new Counter({
      name: 'rollback_webhooks_total',
      help: 'Alertmanager webhook requests by outcome: accepted, refused (422), invalid, unauthorized, unavailable (503), error',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'rollback_alerts_total',
      help: 'Alerts in webhook requests by outcome: accepted (handed to the service desk), coalesced (joined an identical delivery under way), refused',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
