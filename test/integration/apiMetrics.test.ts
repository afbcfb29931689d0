// What the API shows at GET /metrics, against a real dev server and worker: a webhook
// counts by its outcome, each alert by its own, and an open run is counted by plan and
// stage from Temporal's visibility. And what a 422 tells whoever wrote the alert rule: every
// bad alert, the plans, services or triggers the field at fault could have named, and
// which label the API reads — while the good alerts of the same request are kept.
import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app';
import { AlertsAnswer } from '../../src/api/routes/alerts';
import type { Plan } from '../../src/plan/schema';
import { deskIdFor } from '../../src/workflows/messages';
import { ALERTS_ONLY, testCredentials } from '../support/apiCredentials';
import { connectClient, eventually, flagFile, healthEndpoint, startWorker, testDeps, type TestWorker } from '../support/harness';
import { alertmanagerPayload } from './alertPayload';
import { fixturePlan } from './fixturePlan';
import { nthRun, status } from './runs';

const tokens = testCredentials({ alertmanager: ALERTS_ONLY });
let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let app: FastifyInstance;
let plan: Plan;
let other: Plan;

const fingerprint = () => randomBytes(8).toString('hex');

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  health = await healthEndpoint(200);
  const flags = await flagFile({ new_checkout: true });
  // ErrorRateHigh asks, with a window long enough that the run stays open in `decide`.
  plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '10m', defaultAction: 'hold', services: ['payments'] });
  other = fixturePlan({ healthUrl: health.url, flagStorePath: flags, services: ['search'] });
  worker = await startWorker(testDeps({ flagStorePath: flags }));
  app = buildApp({
    client,
    plans: new Map([
      [plan.name, plan],
      [other.name, other],
    ]),
    credentials: tokens.credentials,
    taskQueue: worker.taskQueue,
    now: Date.now,
  });
});

afterAll(async () => {
  await app?.close();
  await worker?.shutdown();
  await health?.close();
  await closeClient?.();
});

const post = (payload: object, headers: Record<string, string> = tokens.auth('alertmanager')) =>
  app.inject({ method: 'POST', url: '/v1/alerts/alertmanager', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

async function metrics(): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.body;
}

/** The value of one series in the exposition text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

test('a 422 names every bad alert, lists what its field could be and the label read; the good alert of the request is kept and counted', async () => {
  const good = fingerprint();
  const res = await post(
    alertmanagerPayload(
      { alertname: 'DiskFull', plan: plan.name, fingerprint: 'bad0000000000001' },
      { alertname: 'ErrorRateHigh', plan: plan.name, fingerprint: good },
      { alertname: 'ErrorRateHigh', plan: 'no-such-plan', fingerprint: 'bad0000000000003' },
      { alertname: 'ErrorRateHigh', plan: plan.name, service: 'billing', fingerprint: 'bad0000000000004' },
      { alertname: 'ErrorRateHigh', service: 'inventory', fingerprint: 'bad0000000000005' },
    ),
  );
  expect(res.statusCode).toBe(422);
  const body = AlertsAnswer.parse(res.json());
  // Every bad alert, by its place and fingerprint, in the one-line error too.
  expect(body.refused?.map((r) => [r.alert, r.fingerprint])).toEqual([
    [0, 'bad0000000000001'],
    [2, 'bad0000000000003'],
    [3, 'bad0000000000004'],
    [4, 'bad0000000000005'],
  ]);
  expect(body.error).toMatch(
    /^4 of 5 alerts refused \(the others were accepted\): alert 0 \(fingerprint bad0000000000001\): .*; alert 4 \(fingerprint bad0000000000005\)/,
  );
  const issue = (field: string) => body.issues?.find((i) => i.field === field);
  expect(issue('alerts[0].labels.alertname')).toEqual({
    field: 'alerts[0].labels.alertname',
    message: expect.stringContaining('its triggers: ErrorRateHigh (alertname=ErrorRateHigh), ServiceDown (alertname=ServiceDown)'),
    known: ['ErrorRateHigh', 'ServiceDown'],
  });
  expect(issue('alerts[0].labels.alertname')?.message).toContain('`match` labels');
  expect(issue('alerts[2].labels.rollback_plan')).toEqual({
    field: 'alerts[2].labels.rollback_plan',
    message: expect.stringContaining('the API reads the plan from the label "rollback_plan"'),
    known: [plan.name, other.name].sort(),
  });
  expect(issue('alerts[3].labels.service')).toEqual({
    field: 'alerts[3].labels.service',
    message: `plan "${plan.name}" has no service "billing" (label "service"); its services: checkout, payments`,
    known: ['checkout', 'payments'],
  });
  expect(issue('alerts[4].labels.service')).toEqual({
    field: 'alerts[4].labels.service',
    message: expect.stringContaining('services with a plan: checkout, payments, search'),
    known: ['checkout', 'payments', 'search'],
  });
  expect(body.incidents).toEqual([expect.objectContaining({ alert: 1, fingerprint: good, status: 'accepted', plan: plan.name, trigger: 'ErrorRateHigh' })]);
  const run = await nthRun(client, deskIdFor(plan.name, 'checkout', plan.targets.environment), 1);
  expect((await status(run)).alerts?.map((a) => a.fingerprint)).toEqual([good]);

  // The same request, seen by Prometheus.
  const after = await metrics();
  expect(sample(after, 'rollback_webhooks_total{outcome="refused"}')).toBe(1);
  expect(sample(after, 'rollback_alerts_total{outcome="accepted"}')).toBe(1);
  expect(sample(after, 'rollback_alerts_total{outcome="refused"}')).toBe(4);
});

test('/metrics: webhooks by outcome, and the open run by plan and stage from visibility', async () => {
  const before = await metrics();
  const ok = await post(alertmanagerPayload({ alertname: 'ServiceDown', plan: other.name, service: 'search', fingerprint: fingerprint() }));
  expect(ok.statusCode).toBe(202);
  expect((await post(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fingerprint() }), {})).statusCode).toBe(401);
  expect((await post({ version: '3' })).statusCode).toBe(400);
  const after = await metrics();
  for (const [outcome, added] of [
    ['accepted', 1],
    ['unauthorized', 1],
    ['invalid', 1],
  ] as const) {
    const series = `rollback_webhooks_total{outcome="${outcome}"}`;
    expect({ series, added: sample(after, series) - sample(before, series) }).toEqual({ series, added });
  }

  // The first test's run waits in `decide` (a ten-minute window): counted by plan and stage.
  const open = `rollback_open_incidents{plan="${plan.name}",stage="decide",kind="incident"}`;
  const seen = await eventually(metrics, (text) => sample(text, open) === 1, 40_000);
  expect(sample(seen, 'rollback_open_incidents_visible')).toBe(1);
  const run = await nthRun(client, deskIdFor(plan.name, 'checkout', plan.targets.environment), 1);
  await run.terminate('test over');
});

test('/healthz and /metrics answer without a token', async () => {
  expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect(await metrics()).toContain('# TYPE rollback_webhooks_total counter');
});
