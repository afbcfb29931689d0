// PagerDuty Events API v2 client over undici. One dedup key per incident run makes
// trigger/acknowledge/resolve idempotent on PagerDuty's side, so Temporal may retry freely.
import { request } from 'undici';
import { describeNetworkFailure, parseRetryAfterMs, RateLimitedError, RejectedError, UnavailableError } from './errors';
import type { Delivery, Notice, Notifier, NotifierTarget } from './roles';

const VENDOR = 'pagerduty';
const DEFAULT_BASE_URL = 'https://events.pagerduty.com';
const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * PagerDuty sends no Retry-After on 429. Its Events API limit is counted per routing key
 * per minute, so one minute is the wait after which the window has certainly moved on.
 */
const DEFAULT_RATE_LIMIT_RETRY_AFTER_MS = 60_000;
/** PagerDuty refuses a longer summary, which would lose the page; truncating keeps it. */
const SUMMARY_MAX = 1024;

export type PagerDutySeverity = Extract<NotifierTarget, { notifier: 'pagerduty' }>['severity'];

interface EventBase {
  /** The 32-character integration key of the PagerDuty service (a secret: never logged). */
  routingKey: string;
  /** Identifies the incident: the same key for trigger, acknowledge and resolve of one run. */
  dedupKey: string;
}

export type PagerDutyEvent =
  | (EventBase & {
      action: 'trigger';
      summary: string;
      /** Where the problem is, e.g. the service or host name. */
      source: string;
      severity: PagerDutySeverity;
      customDetails?: Record<string, unknown>;
    })
  | (EventBase & { action: 'acknowledge' | 'resolve' });

export interface PagerDutyClientOptions {
  baseUrl?: string;
  timeoutMs?: number;
  /** Wait reported by RateLimitedError when a 429 carries no Retry-After. */
  rateLimitRetryAfterMs?: number;
}

interface EnqueueResponse {
  status?: string;
  message?: string;
  dedup_key?: string;
  errors?: unknown[];
}

/** The documented Events API v2 body; `payload` belongs to trigger events only. */
function enqueueBody(event: PagerDutyEvent): Record<string, unknown> {
  const body: Record<string, unknown> = {
    routing_key: event.routingKey,
    event_action: event.action,
    dedup_key: event.dedupKey,
  };
  if (event.action === 'trigger') {
    body.payload = {
      summary: event.summary.length <= SUMMARY_MAX ? event.summary : `${event.summary.slice(0, SUMMARY_MAX - 1)}…`,
      source: event.source,
      severity: event.severity,
      custom_details: event.customDetails,
    };
  }
  return body;
}

function parseJson(text: string): EnqueueResponse {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

function rejectionDetail(response: EnqueueResponse, statusCode: number): string {
  const errors = Array.isArray(response.errors) ? response.errors.map(String) : [];
  if (errors.length > 0) return errors.join('; ');
  return response.message ?? `HTTP ${statusCode}`;
}

export class PagerDutyClient {
  private readonly enqueueUrl: string;
  private readonly timeoutMs: number;
  private readonly rateLimitRetryAfterMs: number;

  constructor(options: PagerDutyClientOptions = {}) {
    this.enqueueUrl = new URL('/v2/enqueue', options.baseUrl ?? DEFAULT_BASE_URL).toString();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.rateLimitRetryAfterMs = options.rateLimitRetryAfterMs ?? DEFAULT_RATE_LIMIT_RETRY_AFTER_MS;
  }

  /** Sends one event; resolves to the dedup key PagerDuty filed it under. */
  async sendEvent(event: PagerDutyEvent): Promise<string> {
    let statusCode: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await request(this.enqueueUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(enqueueBody(event)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      statusCode = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      throw new UnavailableError(VENDOR, describeNetworkFailure(error), undefined, { cause: error });
    }

    const parsed = parseJson(text);
    if (statusCode >= 200 && statusCode < 300) {
      if (!parsed.dedup_key) throw new UnavailableError(VENDOR, 'accepted without a dedup_key', statusCode);
      return parsed.dedup_key;
    }
    if (statusCode === 429) {
      const retryAfterMs = parseRetryAfterMs(headers['retry-after'], Date.now()) ?? this.rateLimitRetryAfterMs;
      throw new RateLimitedError(VENDOR, retryAfterMs);
    }
    if (statusCode >= 500) throw new UnavailableError(VENDOR, parsed.message ?? `HTTP ${statusCode}`, statusCode);
    throw new RejectedError(VENDOR, statusCode, rejectionDetail(parsed, statusCode));
  }
}

/**
 * The Notifier for a PagerDuty service: a notice is an event on the run's incident (the
 * dedup key). Without the integration key on the worker it skips, naming the variable.
 */
export class PagerDutyNotifier implements Notifier {
  constructor(
    private readonly client: PagerDutyClient,
    private readonly routingKey: string | undefined,
    private readonly target: Extract<NotifierTarget, { notifier: 'pagerduty' }>,
  ) {}

  async notify(notice: Notice): Promise<Delivery> {
    const { routingKeyEnv, dedupKey, source, severity } = this.target;
    if (!this.routingKey) return { sent: false, reason: `${routingKeyEnv} is not set on the worker` };
    await this.client.sendEvent({ routingKey: this.routingKey, action: notice.event, dedupKey, summary: notice.text, source, severity });
    return { sent: true };
  }
}
