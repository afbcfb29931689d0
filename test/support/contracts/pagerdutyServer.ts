// Local stand-in for the PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/):
// POST /v2/enqueue with a JSON event, 202 on success, 400 "invalid event" with the reasons,
// 429 when throttled (no Retry-After). It also keeps the incident each dedup key opened, so
// tests can assert that one run produced exactly one incident.
import { randomBytes } from 'node:crypto';
import { createStandInApp, FailureScript, hang, listenOnLoopback, mediaType, type RecordedRequest, type RunningStandIn } from './standIn';

/** `hang`: the request is read and never answered. */
export type PagerDutyFailureKind = 'rate_limited' | 'server_error' | 'hang';
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface StandInIncident {
  dedupKey: string;
  status: IncidentStatus;
  /** Trigger events received for this key (later ones append alerts to the open incident). */
  triggers: number;
  /** Incidents opened under this key: a trigger after a resolve opens a new one. */
  opened: number;
  /** Every accepted event action for this key, in order. */
  actions: string[];
  summary?: string;
  severity?: string;
}

export interface PagerDutyStandIn extends RunningStandIn {
  requests: RecordedRequest[];
  incidents: Map<string, StandInIncident>;
  /** Scripts the next `count` events to fail; `retryAfter` adds a Retry-After header to 429s (PagerDuty sends none). */
  failNext(count: number, kind: PagerDutyFailureKind, retryAfter?: string): void;
  /** An outage: every event fails this way until `recover()`. */
  failAll(kind: PagerDutyFailureKind, retryAfter?: string): void;
  recover(): void;
}

const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ROUTING_KEY_LENGTH = 32;
const SUMMARY_MAX = 1024;
const DEDUP_KEY_MAX = 255;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/** The reasons PagerDuty lists in a 400 "invalid event" response; empty when the event is valid. */
function eventErrors(event: Json): string[] {
  const errors: string[] = [];
  if (isBlank(event.routing_key)) errors.push("'routing_key' is missing or blank");
  else if ((event.routing_key as string).length !== ROUTING_KEY_LENGTH) {
    errors.push(`Length of 'routing_key' is incorrect (should be ${ROUTING_KEY_LENGTH} characters)`);
  }
  if (isBlank(event.event_action)) errors.push("'event_action' is missing or blank");
  else if (!EVENT_ACTIONS.includes(event.event_action as string)) {
    errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
  }
  if (event.dedup_key !== undefined && (typeof event.dedup_key !== 'string' || event.dedup_key.length > DEDUP_KEY_MAX)) {
    errors.push(`'dedup_key' must be a string of at most ${DEDUP_KEY_MAX} characters`);
  }
  if (event.event_action === 'acknowledge' || event.event_action === 'resolve') {
    if (isBlank(event.dedup_key)) errors.push("'dedup_key' is missing or blank");
  }
  if (event.event_action === 'trigger') errors.push(...payloadErrors(event.payload));
  return errors;
}

function payloadErrors(payload: unknown): string[] {
  if (!isObject(payload)) return ["'payload' is missing or blank"];
  const errors: string[] = [];
  if (isBlank(payload.summary)) errors.push("'payload.summary' is missing or blank");
  else if ((payload.summary as string).length > SUMMARY_MAX) {
    errors.push(`'payload.summary' is too long (maximum is ${SUMMARY_MAX} characters)`);
  }
  if (isBlank(payload.source)) errors.push("'payload.source' is missing or blank");
  if (isBlank(payload.severity)) errors.push("'payload.severity' is missing or blank");
  else if (!SEVERITIES.includes(payload.severity as string)) {
    errors.push("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')");
  }
  return errors;
}

function invalidEvent(errors: string[]) {
  return { status: 'invalid event', message: 'Event object is invalid', errors };
}

export async function startPagerDutyStandIn(): Promise<PagerDutyStandIn> {
  const requests: RecordedRequest[] = [];
  const incidents = new Map<string, StandInIncident>();
  const failures = new FailureScript<PagerDutyFailureKind>();
  let rateLimitRetryAfter: string | undefined;

  /** Acknowledge and resolve of an unknown or resolved incident are accepted and change nothing. */
  function apply(event: Json, dedupKey: string): void {
    const action = event.event_action as string;
    const incident = incidents.get(dedupKey);
    if (action === 'trigger') {
      const payload = event.payload as Json;
      const reopened = !incident || incident.status === 'resolved';
      const next: StandInIncident = incident ?? { dedupKey, status: 'triggered', triggers: 0, opened: 0, actions: [] };
      next.triggers += 1;
      if (reopened) {
        next.opened += 1;
        next.status = 'triggered';
        next.summary = payload.summary as string;
        next.severity = payload.severity as string;
      }
      next.actions.push(action);
      incidents.set(dedupKey, next);
      return;
    }
    if (!incident || incident.status === 'resolved') return;
    incident.actions.push(action);
    incident.status = action === 'acknowledge' ? 'acknowledged' : 'resolved';
  }

  const app = createStandInApp();
  app.post('/v2/enqueue', async (request, reply) => {
    const raw = typeof request.body === 'string' ? request.body : '';
    let event: unknown = raw;
    try {
      event = JSON.parse(raw);
    } catch {
      // Recorded raw; refused below.
    }
    const recorded: RecordedRequest = { path: request.url, headers: request.headers, body: event };
    requests.push(recorded);

    const failure = failures.take();
    if (failure === 'rate_limited') {
      recorded.scriptedFailure = failure;
      if (rateLimitRetryAfter !== undefined) reply.header('retry-after', rateLimitRetryAfter);
      return reply.code(429).send({ status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' });
    }
    if (failure === 'server_error') {
      recorded.scriptedFailure = failure;
      return reply.code(500).send({ status: 'error', message: 'Internal Server Error' });
    }
    if (failure === 'hang') {
      recorded.scriptedFailure = failure;
      return hang(reply);
    }

    if (mediaType(request.headers) !== 'application/json') {
      return reply.code(400).send(invalidEvent(["'Content-Type' must be 'application/json'"]));
    }
    if (!isObject(event)) return reply.code(400).send(invalidEvent(['Event object is not valid JSON']));
    const errors = eventErrors(event);
    if (errors.length > 0) return reply.code(400).send(invalidEvent(errors));

    // PagerDuty generates a dedup key for a trigger that has none.
    const dedupKey = typeof event.dedup_key === 'string' && event.dedup_key !== '' ? event.dedup_key : randomBytes(16).toString('hex');
    apply(event, dedupKey);
    return reply.code(202).send({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
  });

  const running = await listenOnLoopback(app);
  return {
    ...running,
    requests,
    incidents,
    failNext: (count, kind, retryAfter) => {
      rateLimitRetryAfter = retryAfter;
      failures.failNext(count, kind);
    },
    failAll: (kind, retryAfter) => {
      rateLimitRetryAfter = retryAfter;
      failures.failAll(kind);
    },
    recover: () => failures.recover(),
  };
}
