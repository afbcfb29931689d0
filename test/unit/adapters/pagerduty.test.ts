// The PagerDuty Events API v2 client (undici) against the PagerDuty stand-in.
import { AdapterErrorType, RateLimitedError, RejectedError, UnavailableError } from '../../../src/adapters/errors';
import { PagerDutyClient, type PagerDutyEvent } from '../../../src/adapters/pagerduty';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../support/contracts/pagerdutyServer';
import { caught } from '../../support/caught';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const DEDUP_KEY = 'rollback/checkout/run-1';

const trigger: PagerDutyEvent = {
  action: 'trigger',
  routingKey: ROUTING_KEY,
  dedupKey: DEDUP_KEY,
  summary: 'checkout: rollback level 3 failed verification',
  source: 'checkout',
  severity: 'critical',
  customDetails: { plan: 'checkout', level: 3 },
};

let pagerduty: PagerDutyStandIn;
let client: PagerDutyClient;

beforeEach(async () => {
  pagerduty = await startPagerDutyStandIn();
  client = new PagerDutyClient({ baseUrl: pagerduty.url });
});

afterEach(() => pagerduty.close());

describe('PagerDutyClient against the Events API v2 stand-in', () => {
  it('trigger, acknowledge and resolve with one dedup key make one incident, resolved', async () => {
    await expect(client.sendEvent(trigger)).resolves.toBe(DEDUP_KEY);
    await expect(client.sendEvent({ action: 'acknowledge', routingKey: ROUTING_KEY, dedupKey: DEDUP_KEY })).resolves.toBe(DEDUP_KEY);
    await expect(client.sendEvent({ action: 'resolve', routingKey: ROUTING_KEY, dedupKey: DEDUP_KEY })).resolves.toBe(DEDUP_KEY);

    expect(pagerduty.incidents.size).toBe(1);
    expect(pagerduty.incidents.get(DEDUP_KEY)).toMatchObject({
      status: 'resolved',
      opened: 1,
      triggers: 1,
      actions: ['trigger', 'acknowledge', 'resolve'],
      severity: 'critical',
    });
  });

  it('sends the documented body: payload only on trigger', async () => {
    await client.sendEvent(trigger);
    await client.sendEvent({ action: 'resolve', routingKey: ROUTING_KEY, dedupKey: DEDUP_KEY });

    const [triggerCall, resolveCall] = pagerduty.requests;
    expect(triggerCall.path).toBe('/v2/enqueue');
    expect(triggerCall.headers['content-type']).toBe('application/json');
    expect(triggerCall.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: DEDUP_KEY,
      payload: {
        summary: trigger.action === 'trigger' ? trigger.summary : '',
        source: 'checkout',
        severity: 'critical',
        custom_details: { plan: 'checkout', level: 3 },
      },
    });
    expect(resolveCall.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: DEDUP_KEY });
  });

  it('a repeated trigger (a retried activity) joins the open incident', async () => {
    await client.sendEvent(trigger);
    await client.sendEvent(trigger);

    expect(pagerduty.incidents.get(DEDUP_KEY)).toMatchObject({ status: 'triggered', opened: 1, triggers: 2 });
  });

  it('truncates a summary longer than PagerDuty accepts instead of losing the page', async () => {
    await client.sendEvent({ ...trigger, summary: 'x'.repeat(5000) });

    const body = pagerduty.requests[0].body as { payload: { summary: string } };
    expect(body.payload.summary).toHaveLength(1024);
    expect(pagerduty.incidents.get(DEDUP_KEY)?.status).toBe('triggered');
  });

  it('maps an invalid routing key to RejectedError listing PagerDuty’s errors, without the key', async () => {
    const badKey = 'too-short-secret';

    const error = (await caught(client.sendEvent({ ...trigger, routingKey: badKey }))) as RejectedError;

    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({ type: AdapterErrorType.Rejected, status: 400, vendor: 'pagerduty', retryable: false });
    expect(error.detail).toContain("Length of 'routing_key' is incorrect");
    expect(error.message).not.toContain(badKey);
    expect(pagerduty.incidents.size).toBe(0);
  });

  it('maps a 429 to RateLimitedError: the default wait, an overridden one, or Retry-After when present', async () => {
    pagerduty.failNext(1, 'rate_limited');
    await expect(client.sendEvent(trigger)).rejects.toMatchObject({ type: AdapterErrorType.RateLimited, retryAfterMs: 60_000 });

    const impatient = new PagerDutyClient({ baseUrl: pagerduty.url, rateLimitRetryAfterMs: 5_000 });
    pagerduty.failNext(1, 'rate_limited');
    const error = await caught(impatient.sendEvent(trigger));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(5_000);

    pagerduty.failNext(1, 'rate_limited', '7');
    await expect(client.sendEvent(trigger)).rejects.toMatchObject({ retryAfterMs: 7_000 });

    await expect(client.sendEvent(trigger)).resolves.toBe(DEDUP_KEY);
    expect(pagerduty.incidents.get(DEDUP_KEY)).toMatchObject({ triggers: 1 });
  });

  it('maps a 500 to UnavailableError', async () => {
    pagerduty.failNext(1, 'server_error');

    const error = await caught(client.sendEvent(trigger));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ type: AdapterErrorType.Unavailable, status: 500, retryable: true });
  });

  it('maps connection refused to UnavailableError', async () => {
    const url = pagerduty.url;
    await pagerduty.close();

    const error = await caught(new PagerDutyClient({ baseUrl: url }).sendEvent(trigger));

    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).detail).toContain('ECONNREFUSED');
  });

  it('gives up on a server that accepts the request and never answers, after the configured timeout', async () => {
    pagerduty.failNext(1, 'hang');
    const started = Date.now();

    const error = await caught(new PagerDutyClient({ baseUrl: pagerduty.url, timeoutMs: 200 }).sendEvent(trigger));

    expect(error).toBeInstanceOf(UnavailableError);
    // Not before the configured timeout (Date.now() and the timer's clock may differ by a millisecond).
    expect(Date.now() - started).toBeGreaterThanOrEqual(200 - 5);
    expect(pagerduty.requests.map((r) => r.scriptedFailure)).toEqual(['hang']);
  });

  it('an outage fails every event until it is over; then the incident opens once', async () => {
    pagerduty.failAll('server_error');
    for (let i = 0; i < 3; i++) expect(await caught(client.sendEvent(trigger))).toBeInstanceOf(UnavailableError);
    expect(pagerduty.incidents.size).toBe(0);

    pagerduty.recover();
    await expect(client.sendEvent(trigger)).resolves.toBe(DEDUP_KEY);
    expect(pagerduty.incidents.get(DEDUP_KEY)).toMatchObject({ opened: 1, status: 'triggered' });
  });
});
