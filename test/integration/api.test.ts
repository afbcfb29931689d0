// The HTTP API in front of a real dev server: alerts start or join runs, decisions and
// status go through, and bad input is refused before any workflow starts.
import { randomBytes } from 'node:crypto';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { incidentIdFor } from '../../src/api/alertmanager';
import { resolve } from 'node:path';
import { buildApp } from '../../src/api/app';
import { openRunOf } from '../../src/incidents/runs';
import { loadPlanFile } from '../../src/plan/files';
import type { Plan } from '../../src/plan/schema';
import { connectClient, eventually, flagFile, healthEndpoint, startWorker, testDeps, type TestWorker } from '../support/harness';
import { alertmanagerPayload } from './alertPayload';
import { APPROVER, fixturePlan, OUTSIDER } from './fixturePlan';

const TOKEN = randomBytes(16).toString('hex');
const auth = { authorization: `Bearer ${TOKEN}` };

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let plan: Plan;
let app: FastifyInstance;

const fingerprint = () => randomBytes(8).toString('hex');

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  health = await healthEndpoint(200);
  const flags = await flagFile({ new_checkout: true });
  plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '1m', defaultAction: 'hold' });
  worker = await startWorker(testDeps({ flagStorePath: flags }));
  const lens = loadPlanFile(resolve(__dirname, '../../plans/lens-sprint1-canary.yaml'));
  app = buildApp({ client, plans: new Map([[plan.name, plan], [lens.name, lens]]), token: TOKEN, taskQueue: worker.taskQueue, now: Date.now });
});

afterAll(async () => {
  await app?.close();
  await worker?.shutdown();
  await health?.close();
  await closeClient?.();
});

function postAlerts(body: unknown, headers: Record<string, string> = auth) {
  return app.inject({ method: 'POST', url: '/v1/alerts/alertmanager', headers, payload: body as object });
}

async function workflowsOnQueue(): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = "${worker.taskQueue}"` })) ids.push(wf.workflowId);
  return ids;
}

async function incidentStatus(id: string) {
  const res = await app.inject({ method: 'GET', url: `/v1/incidents/${id}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json();
}

test('a firing alert starts a run; a repeated notification joins it and is recorded', async () => {
  const fp = fingerprint();
  const first = await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp, value: '4.2%' }));
  expect(first.statusCode).toBe(202);
  const id = incidentIdFor(plan.name, 'checkout', fp);
  expect(first.json().incidents).toEqual([expect.objectContaining({ incidentId: id, status: 'started', trigger: 'ErrorRateHigh' })]);

  await eventually(() => incidentStatus(id), (s) => s.pendingApproval !== undefined);
  const again = await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp, value: '5.0%' }));
  expect(again.json().incidents[0]).toMatchObject({ incidentId: id, status: 'joined' });

  const s = await eventually(() => incidentStatus(id), (v) => v.timeline.some((e: { event: string }) => e.event === 'alert repeated'));
  expect(s.timeline.find((e: { event: string }) => e.event === 'alert repeated').detail).toContain('value 5.0%');
  expect((await workflowsOnQueue()).filter((w) => w === id)).toHaveLength(1);

  // Clean up: decide so the run ends.
  const decided = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/decision`,
    headers: auth,
    payload: { decision: 'reject', by: APPROVER, reason: 'test over' },
  });
  expect(decided.statusCode).toBe(202);
  expect(await client.workflow.getHandle(id).result()).toMatchObject({ outcome: 'rejected' });
});

test('a different alert for a service whose run is open joins that run instead of starting another', async () => {
  const first = fingerprint();
  const id = incidentIdFor(plan.name, 'checkout', first);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: first }));
  await eventually(() => incidentStatus(id), (s) => s.pendingApproval !== undefined);
  // Open runs are found through visibility, which can trail a start by a moment.
  await eventually(() => openRunOf(client, plan.name, 'checkout'), (found) => found === id);
  const other = fingerprint();
  const res = (await postAlerts(alertmanagerPayload({ alertname: 'ServiceDown', fingerprint: other }))).json().incidents[0];
  expect(res).toMatchObject({ incidentId: id, status: 'joined', trigger: 'ServiceDown' });
  await expect(client.workflow.getHandle(incidentIdFor(plan.name, 'checkout', other)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  await client.workflow.getHandle(id).terminate('test over');
});

test('a resolved alert is recorded in the open run, and starts nothing when no run is open', async () => {
  const fp = fingerprint();
  const id = incidentIdFor(plan.name, 'checkout', fp);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp }));
  await eventually(() => incidentStatus(id), (s) => s.pendingApproval !== undefined);
  const resolved = await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp, status: 'resolved' }));
  expect(resolved.json().incidents[0]).toMatchObject({ status: 'resolved-recorded' });
  await eventually(() => incidentStatus(id), (s) => s.timeline.some((e: { event: string }) => e.event === 'alert resolved'));
  await client.workflow.getHandle(id).terminate('test over');

  const lonely = fingerprint();
  const orphan = await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: lonely, status: 'resolved' }));
  expect(orphan.json().incidents[0]).toMatchObject({ status: 'resolved-no-open-run' });
  await expect(client.workflow.getHandle(incidentIdFor(plan.name, 'checkout', lonely)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test('decisions through the API: an outsider gets 403, an approver gets 202 and the run rolls back', async () => {
  const fp = fingerprint();
  const id = incidentIdFor(plan.name, 'checkout', fp);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp }));
  await eventually(() => incidentStatus(id), (s) => s.pendingApproval !== undefined);

  const refused = await app.inject({ method: 'POST', url: `/v1/incidents/${id}/decision`, headers: auth, payload: { decision: 'approve', by: OUTSIDER, reason: 'me' } });
  expect(refused.statusCode).toBe(403);
  expect(refused.json().issues[0].field).toBe('by');

  const ok = await app.inject({ method: 'POST', url: `/v1/incidents/${id}/decision`, headers: auth, payload: { decision: 'approve', by: APPROVER, reason: 'roll it' } });
  expect(ok.statusCode).toBe(202);
  expect(await client.workflow.getHandle(id).result()).toMatchObject({ outcome: 'rolled-back', decision: { by: APPROVER } });

  const late = await app.inject({ method: 'POST', url: `/v1/incidents/${id}/decision`, headers: auth, payload: { decision: 'reject', by: APPROVER, reason: 'too late' } });
  expect(late.statusCode).toBe(409);
});

test('unknown incidents are 404', async () => {
  const res = await app.inject({ method: 'GET', url: '/v1/incidents/rollback-nope-nope-0000', headers: auth });
  expect(res.statusCode).toBe(404);
});

test('without a valid bearer token every /v1 route is 401 and nothing starts', async () => {
  const fp = fingerprint();
  const body = alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp });
  for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
    const res = await postAlerts(body, headers);
    expect(res.statusCode).toBe(401);
    expect(res.json().issues[0].field).toBe('headers.authorization');
  }
  expect((await app.inject({ method: 'GET', url: '/v1/incidents/x' })).statusCode).toBe(401);
  expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  await expect(client.workflow.getHandle(incidentIdFor(plan.name, 'checkout', fp)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

describe('bad input is refused with the offending field named, and no workflow starts', () => {
  const good = () => alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001' });
  const cases: Array<[string, () => { payload: string | object; contentType?: string }, number, string]> = [
    ['malformed JSON', () => ({ payload: '{"version": "4", "alerts": [', contentType: 'application/json' }), 400, '(body)'],
    ['not JSON at all', () => ({ payload: 'alert!', contentType: 'text/plain' }), 415, '(body)'],
    ['wrong webhook version', () => ({ payload: { ...good(), version: '3' } }), 400, 'version'],
    ['alerts missing', () => ({ payload: { ...good(), alerts: undefined } }), 400, 'alerts'],
    ['alerts empty', () => ({ payload: { ...good(), alerts: [] } }), 400, 'alerts'],
    ['alerts of the wrong type', () => ({ payload: { ...good(), alerts: 'many' } }), 400, 'alerts'],
    ['alert status unknown', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], status: 'burning' }] } }), 400, 'alerts[0].status'],
    ['labels not strings', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], labels: { alertname: 'ErrorRateHigh', service: 7 } }] } }), 400, 'alerts[0].labels.service'],
    ['alertname missing', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], labels: { service: 'checkout' } }] } }), 400, 'alerts[0].labels'],
    ['startsAt not a time', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], startsAt: 'yesterday' }] } }), 400, 'alerts[0].startsAt'],
    ['fingerprint missing', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], fingerprint: undefined }] } }), 400, 'alerts[0].fingerprint'],
    ['unknown plan', () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', plan: 'no-such-plan' }) }), 422, 'alerts[0].labels.rollback_plan'],
    ['unknown service', () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', service: 'billing' }) }), 422, 'alerts[0].labels.service'],
    ['service not in the named plan', () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', service: 'billing', plan: '__PLAN__' }) }), 422, 'alerts[0].labels.service'],
    ['service label missing', () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', service: '' }) }), 422, 'alerts[0].labels.service'],
    ['alert matches no trigger', () => ({ payload: alertmanagerPayload({ alertname: 'DiskFull', fingerprint: 'badbadbad0000001' }) }), 422, 'alerts[0].labels.alertname'],
    [
      'a quantity the plan cannot read',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', value: 'very high' }) }),
      422,
      'alerts[0].annotations.value',
    ],
    [
      'a migration kind that does not exist',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', labels: { migration: 'maybe' } }) }),
      422,
      'alerts[0].labels.migration',
    ],
    [
      'a fact the decision table needs is missing (002: the canary phase)',
      () => ({ payload: alertmanagerPayload({ alertname: 'NdcgRegression', service: 'lens-search', plan: 'lens-sprint1-canary', fingerprint: 'badbadbad0000001' }) }),
      422,
      'alerts[0].labels.phase',
    ],
    [
      'one bad alert among good ones refuses them all',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001' }, { alertname: 'DiskFull', fingerprint: 'badbadbad0000002' }) }),
      422,
      'alerts[1].labels.alertname',
    ],
  ];

  test.each(cases)('%s', async (_name, make, status, field) => {
    const { payload, contentType } = make();
    const body = typeof payload === 'string' ? payload : JSON.parse(JSON.stringify(payload).replace('__PLAN__', plan.name));
    const res = await app.inject({
      method: 'POST',
      url: '/v1/alerts/alertmanager',
      headers: { ...auth, 'content-type': contentType ?? 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  test('decision bodies are checked too', async () => {
    for (const [payload, field] of [
      [{ decision: 'maybe', by: APPROVER, reason: 'x' }, 'decision'],
      [{ decision: 'approve', by: 'alice', reason: 'x' }, 'by'],
      [{ decision: 'approve', by: APPROVER }, 'reason'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/v1/incidents/rollback-x/decision', headers: auth, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().issues[0].field).toBe(field);
    }
  });

  afterAll(async () => {
    for (const fp of ['badbadbad0000001', 'badbadbad0000002']) {
      await expect(client.workflow.getHandle(incidentIdFor(plan.name, 'checkout', fp)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    const started = await workflowsOnQueue();
    expect(started.some((id) => id.includes('badbadbad'))).toBe(false);
  });
});

test('the report of a finished run reads like the runbooks\' incident reports, as JSON and Markdown', async () => {
  const fp = fingerprint();
  const id = incidentIdFor(plan.name, 'checkout', fp);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp, value: '4.2%' }));
  await eventually(() => incidentStatus(id), (s) => s.pendingApproval !== undefined);
  await app.inject({ method: 'POST', url: `/v1/incidents/${id}/decision`, headers: auth, payload: { decision: 'approve', by: APPROVER, reason: 'errors climbing' } });
  await client.workflow.getHandle(id).result();

  const json = await app.inject({ method: 'GET', url: `/v1/incidents/${id}/report`, headers: auth });
  expect(json.statusCode).toBe(200);
  const report = json.json();
  expect(report).toMatchObject({ incidentId: id, outcome: 'rolled-back', trigger: 'ErrorRateHigh' });
  expect(report.decisions[0].who).toContain(APPROVER);
  expect(report.steps.map((s: { type: string }) => s.type)).toContain('flag.disable');
  expect(report.stages.map((s: { stage: string }) => s.stage)).toEqual(expect.arrayContaining(['detect', 'decide', 'announce', 'roll-back', 'verify', 'report']));

  const md = await app.inject({ method: 'GET', url: `/v1/incidents/${id}/report?format=md`, headers: auth });
  expect(md.headers['content-type']).toMatch(/text\/markdown/);
  for (const heading of ['Summary', 'Timeline', 'Rollback Metrics', 'Decisions', 'Stage Scorecard', 'Steps', 'Follow-Up Tasks']) {
    expect(md.body).toMatch(new RegExp(`^#+ ${heading}`, 'm'));
  }
  expect(md.body).toMatch(/Time to decision/i);
});
