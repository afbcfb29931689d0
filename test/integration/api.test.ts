// The HTTP API in front of a real dev server: alerts reach their service desk, which starts
// or joins runs; decisions and status go through; bad input is refused before anything starts.
import { randomBytes } from 'node:crypto';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { resolve } from 'node:path';
import { ErrorBody } from '../../src/api/errors';
import { COALESCE_WINDOW_MS } from '../../src/api/recentDeliveries';
import { AlertsAnswer } from '../../src/api/routes/alerts';
import { loadPlanFile } from '../../src/validation/files';
import type { Plan } from '../../src/plan/schema';
import type { IncidentReport } from '../../src/report/types';
import { deskIdFor, type IncidentStatus } from '../../src/workflows/messages';
import { decider, LEGACY, testApi, testCredentials } from '../support/apiCredentials';
import { eventually, type HealthEndpoint, type TestWorker, useSuiteWorld } from '../support/harness';
import { alertmanagerPayload } from './alertPayload';
import { APPROVER, fixturePlan, OUTSIDER } from './fixturePlan';
import { deskView, events, nthRun, openRuns, status } from './runs';

const tokens = testCredentials({ ops: LEGACY, approver: decider(APPROVER), outsider: decider(OUTSIDER) });
/** Alerts and reading (what the legacy API_TOKEN may do); decisions use a person's token. */
const auth = tokens.auth('ops');
const asApprover = tokens.auth('approver');

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let plan: Plan;
let app: FastifyInstance;
let flags: string;
const plans = new Map<string, Plan>();

const fingerprint = () => randomBytes(8).toString('hex');

useSuiteWorld({ new_checkout: true }, (world) => ({ client, worker, health, flags } = world));

beforeAll(() => {
  plan = freshPlan();
  const lens = loadPlanFile(resolve(__dirname, '../../plans/lens-sprint1-canary.yaml'));
  plans.set(lens.name, lens);
  app = testApi(client, worker.taskQueue, tokens, plans);
});

afterAll(async () => {
  await app?.close();
});

/** A plan of its own (so its own service desk) for a test that needs a clean slate. */
function freshPlan(): Plan {
  const fresh = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '1m', defaultAction: 'hold' });
  plans.set(fresh.name, fresh);
  return fresh;
}

const deskOf = (p: Plan) => deskIdFor(p.name, 'checkout', p.targets.environment);

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
  return res.json<IncidentStatus>();
}

test('a firing alert reaches its desk, which opens one run; a re-sent notification is counted, not news', async () => {
  const p = freshPlan();
  const fp = fingerprint();
  const first = await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fp, value: '4.2%' }));
  expect(first.statusCode).toBe(202);
  const desk = deskOf(p);
  expect(AlertsAnswer.parse(first.json()).incidents).toEqual([expect.objectContaining({ incidentId: desk, status: 'accepted', trigger: 'ErrorRateHigh' })]);

  const run = await nthRun(client, desk, 1);
  expect(run.workflowId).toBe(`${desk}:1`);
  // The desk id answers for its open run.
  const viaDesk = await eventually(
    () => incidentStatus(desk),
    (s) => s.pendingApproval !== undefined,
  );
  expect(viaDesk.incidentId).toBe(run.workflowId);

  // Alertmanager re-sends a group after group_interval, not within the API's coalescing window.
  await new Promise((r) => setTimeout(r, COALESCE_WINDOW_MS));
  const again = await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fp, value: '5.0%' }));
  expect(AlertsAnswer.parse(again.json()).incidents[0]).toMatchObject({ incidentId: desk, status: 'accepted' });
  const view = await eventually(
    () => deskView(client, desk),
    (v) => v.episodes[0]?.repeats === 1,
  );
  expect(view.runs).toHaveLength(1);
  // The on-call sees it in the run's status: repeated once, last seen at the re-send.
  const seen = await incidentStatus(desk);
  expect(seen.alerts).toEqual([expect.objectContaining({ fingerprint: fp, repeats: 1, lastSeen: view.episodes[0].lastSeen })]);
  // The run is not told twice: nothing in its timeline moved because of the repeat.
  expect(events(await status(run))).not.toContain('new alert');
  expect(await openRuns(client, p.name)).toEqual([run.workflowId]);

  const decided = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${desk}/decision`,
    headers: asApprover,
    payload: { decision: 'reject', reason: 'test over' },
  });
  expect(decided.statusCode).toBe(202);
  expect(await run.result()).toMatchObject({ outcome: 'rejected' });
});

test('a different alert for a service whose run is open joins that run instead of starting another', async () => {
  const p = freshPlan();
  const desk = deskOf(p);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fingerprint() }));
  const run = await nthRun(client, desk, 1);
  await eventually(
    () => status(run),
    (s) => s.pendingApproval !== undefined,
  );
  const other = fingerprint();
  const res = AlertsAnswer.parse((await postAlerts(alertmanagerPayload({ alertname: 'ServiceDown', plan: p.name, fingerprint: other }))).json()).incidents[0];
  expect(res).toMatchObject({ incidentId: desk, status: 'accepted', trigger: 'ServiceDown' });
  const s = await eventually(
    () => status(run),
    (v) => events(v).includes('new alert'),
  );
  expect(s.alerts?.map((a) => a.fingerprint)).toContain(other);
  expect((await deskView(client, desk)).runs).toHaveLength(1);
  await run.terminate('test over');
});

test('a resolve reaches the run that absorbed its alert, even when another alert opened the run', async () => {
  const p = freshPlan();
  const desk = deskOf(p);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fingerprint() }));
  const run = await nthRun(client, desk, 1);
  await eventually(
    () => status(run),
    (s) => s.pendingApproval !== undefined,
  );
  const joined = fingerprint();
  await postAlerts(alertmanagerPayload({ alertname: 'ServiceDown', plan: p.name, fingerprint: joined }));
  await eventually(
    () => status(run),
    (v) => events(v).includes('new alert'),
  );
  const resolved = await postAlerts(alertmanagerPayload({ alertname: 'ServiceDown', plan: p.name, fingerprint: joined, status: 'resolved' }));
  expect(resolved.statusCode).toBe(202);
  const s = await eventually(
    () => status(run),
    (v) => events(v).includes('alert resolved'),
  );
  expect(s.timeline.find((e) => e.event === 'alert resolved')?.detail).toContain(joined);
  expect(s.alerts?.find((a) => a.fingerprint === joined)?.resolved).toBe(true);
  await run.terminate('test over');

  // A resolve nobody absorbed is recorded by the desk and starts nothing.
  const lonely = fingerprint();
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: lonely, status: 'resolved' }));
  const view = await eventually(
    () => deskView(client, desk),
    (v) => v.timeline.some((e) => e.event === 'alert resolved' && e.detail?.includes(lonely) === true),
  );
  expect(view.runs).toHaveLength(1);
});

test('decisions through the API: an outsider gets 403, an approver gets 202 and the run rolls back', async () => {
  const p = freshPlan();
  const desk = deskOf(p);
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fingerprint() }));
  const run = await nthRun(client, desk, 1);
  const id = run.workflowId;
  await eventually(
    () => incidentStatus(id),
    (s) => s.pendingApproval !== undefined,
  );

  const refused = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/decision`,
    headers: tokens.auth('outsider'),
    payload: { decision: 'approve', reason: 'me' },
  });
  expect(refused.statusCode).toBe(403);
  expect(ErrorBody.parse(refused.json()).issues?.[0].field).toBe('by');

  const ok = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/decision`,
    headers: asApprover,
    payload: { decision: 'approve', reason: 'roll it' },
  });
  expect(ok.statusCode).toBe(202);
  expect(await run.result()).toMatchObject({ outcome: 'rolled-back', decision: { by: APPROVER } });

  const late = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/decision`,
    headers: asApprover,
    payload: { decision: 'reject', reason: 'too late' },
  });
  expect(late.statusCode).toBe(409);
  expect(ErrorBody.parse(late.json()).issues?.[0]).toEqual({
    field: 'params.id',
    message: `incident "${id}" is closed (completed); nothing waits for a decision`,
  });
});

test('one bad alert in a group refuses only itself: the good ones are accepted, the answer lists the bad one', async () => {
  const p = freshPlan();
  const good = fingerprint();
  const res = await postAlerts(
    alertmanagerPayload(
      { alertname: 'ErrorRateHigh', plan: p.name, fingerprint: good },
      { alertname: 'DiskFull', plan: p.name, fingerprint: 'badbadbad0000002' },
    ),
  );
  // 4xx: Alertmanager does not re-send (the bad alert would be refused again); the good one is in.
  expect(res.statusCode).toBe(422);
  const body = AlertsAnswer.parse(res.json());
  expect(body.incidents).toEqual([expect.objectContaining({ alert: 0, fingerprint: good, status: 'accepted' })]);
  expect(body.refused).toEqual([expect.objectContaining({ alert: 1, fingerprint: 'badbadbad0000002' })]);
  expect(body.refused?.[0].issues.map((i) => i.field)).toContain('alerts[1].labels.alertname');
  const run = await nthRun(client, deskOf(p), 1);
  expect((await status(run)).alerts?.map((a) => a.fingerprint)).toEqual([good]);
  await run.terminate('test over');
});

test('a group Alertmanager truncated is accepted with a warning', async () => {
  const p = freshPlan();
  const res = await postAlerts({ ...alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fingerprint() }), truncatedAlerts: 3 });
  expect(res.statusCode).toBe(202);
  expect(AlertsAnswer.parse(res.json()).warning).toMatch(/left out 3 alerts/);
  await (await nthRun(client, deskOf(p), 1)).terminate('test over');
});

test('unknown incidents are 404', async () => {
  for (const id of ['rollback-nope-nope-0000', 'rollback:nope:nope:production', 'rollback:nope:nope:production:3']) {
    const res = await app.inject({ method: 'GET', url: `/v1/incidents/${id}`, headers: auth });
    expect(res.statusCode).toBe(404);
  }
});

test('without a valid bearer token every /v1 route is 401 and nothing starts', async () => {
  const fp = fingerprint();
  const body = alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: fp });
  const token = tokens.token('ops');
  for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: token }, { authorization: `Basic ${token}` }] as Record<
    string,
    string
  >[]) {
    const res = await postAlerts(body, headers);
    expect(res.statusCode).toBe(401);
    expect(ErrorBody.parse(res.json()).issues?.[0].field).toBe('headers.authorization');
  }
  expect((await app.inject({ method: 'GET', url: '/v1/incidents/x' })).statusCode).toBe(401);
  expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  await expect(client.workflow.getHandle(deskOf(plan)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

describe('bad input is refused with the offending field named, and no workflow starts', () => {
  // Every alert names the plan (several test plans cover "checkout"); the test fills in its name.
  const good = () => alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: '__PLAN__', fingerprint: 'badbadbad0000001' });
  const cases: Array<[string, () => { payload: string | object; contentType?: string }, number, string]> = [
    ['malformed JSON', () => ({ payload: '{"version": "4", "alerts": [', contentType: 'application/json' }), 400, '(body)'],
    ['not JSON at all', () => ({ payload: 'alert!', contentType: 'text/plain' }), 415, '(body)'],
    ['wrong webhook version', () => ({ payload: { ...good(), version: '3' } }), 400, 'version'],
    ['alerts missing', () => ({ payload: { ...good(), alerts: undefined } }), 400, 'alerts'],
    ['alerts empty', () => ({ payload: { ...good(), alerts: [] } }), 400, 'alerts'],
    ['alerts of the wrong type', () => ({ payload: { ...good(), alerts: 'many' } }), 400, 'alerts'],
    ['alert status unknown', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], status: 'burning' }] } }), 400, 'alerts[0].status'],
    [
      'labels not strings',
      () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], labels: { alertname: 'ErrorRateHigh', service: 7 } }] } }),
      400,
      'alerts[0].labels.service',
    ],
    ['alertname missing', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], labels: { service: 'checkout' } }] } }), 400, 'alerts[0].labels'],
    ['startsAt not a time', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], startsAt: 'yesterday' }] } }), 400, 'alerts[0].startsAt'],
    ['fingerprint missing', () => ({ payload: { ...good(), alerts: [{ ...good().alerts[0], fingerprint: undefined }] } }), 400, 'alerts[0].fingerprint'],
    [
      'unknown plan',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', plan: 'no-such-plan' }) }),
      422,
      'alerts[0].labels.rollback_plan',
    ],
    [
      'unknown service',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', service: 'billing' }) }),
      422,
      'alerts[0].labels.service',
    ],
    [
      'service not in the named plan',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', service: 'billing', plan: '__PLAN__' }) }),
      422,
      'alerts[0].labels.service',
    ],
    [
      'service label missing',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', fingerprint: 'badbadbad0000001', service: '' }) }),
      422,
      'alerts[0].labels.service',
    ],
    [
      'alert matches no trigger',
      () => ({ payload: alertmanagerPayload({ alertname: 'DiskFull', plan: '__PLAN__', fingerprint: 'badbadbad0000001' }) }),
      422,
      'alerts[0].labels.alertname',
    ],
    [
      'a quantity the plan cannot read',
      () => ({ payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: '__PLAN__', fingerprint: 'badbadbad0000001', value: 'very high' }) }),
      422,
      'alerts[0].annotations.value',
    ],
    [
      'a migration kind that does not exist',
      () => ({
        payload: alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: '__PLAN__', fingerprint: 'badbadbad0000001', labels: { migration: 'maybe' } }),
      }),
      422,
      'alerts[0].labels.migration',
    ],
    [
      'a fact the decision table needs is missing (002: the canary phase)',
      () => ({
        payload: alertmanagerPayload({ alertname: 'NdcgRegression', service: 'lens-search', plan: 'lens-sprint1-canary', fingerprint: 'badbadbad0000001' }),
      }),
      422,
      'alerts[0].labels.phase',
    ],
  ];

  test.each(cases)('%s', async (_name, make, status, field) => {
    const { payload, contentType } = make();
    const body = typeof payload === 'string' ? payload : (JSON.parse(JSON.stringify(payload).replace('__PLAN__', plan.name)) as unknown);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/alerts/alertmanager',
      headers: { ...auth, 'content-type': contentType ?? 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.statusCode).toBe(status);
    expect(ErrorBody.parse(res.json()).issues?.map((i) => i.field)).toContain(field);
  });

  test('decision bodies are checked too', async () => {
    for (const [payload, field] of [
      [{ decision: 'maybe', reason: 'x' }, 'decision'],
      [{ decision: 'approve', by: 'alice', reason: 'x' }, 'by'],
      [{ decision: 'approve' }, 'reason'],
      [{ decision: 'approve', reason: 'x', on: 'behalf of someone' }, '(body)'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/v1/incidents/rollback-x/decision', headers: asApprover, payload });
      expect(res.statusCode).toBe(400);
      expect(ErrorBody.parse(res.json()).issues?.[0].field).toBe(field);
    }
  });

  afterAll(async () => {
    // `plan` received nothing but bad alerts: its desk never started.
    await expect(client.workflow.getHandle(deskOf(plan)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const started = await workflowsOnQueue();
    expect(started.some((id) => id.startsWith(deskOf(plan)))).toBe(false);
  });
});

test("the report of a finished run reads like the runbooks' incident reports, as JSON and Markdown", async () => {
  const p = freshPlan();
  await postAlerts(alertmanagerPayload({ alertname: 'ErrorRateHigh', plan: p.name, fingerprint: fingerprint(), value: '4.2%' }));
  const run = await nthRun(client, deskOf(p), 1);
  const id = run.workflowId;
  await eventually(
    () => incidentStatus(id),
    (s) => s.pendingApproval !== undefined,
  );
  await app.inject({ method: 'POST', url: `/v1/incidents/${id}/decision`, headers: asApprover, payload: { decision: 'approve', reason: 'errors climbing' } });
  await run.result();

  const json = await app.inject({ method: 'GET', url: `/v1/incidents/${id}/report`, headers: auth });
  expect(json.statusCode).toBe(200);
  const report = json.json<IncidentReport>();
  expect(report).toMatchObject({ incidentId: id, outcome: 'rolled-back', trigger: 'ErrorRateHigh' });
  expect(report.decisions[0].who).toContain(APPROVER);
  expect(report.steps.map((s) => s.type)).toContain('flag.disable');
  expect(report.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['detect', 'decide', 'announce', 'roll-back', 'verify', 'report']));

  const md = await app.inject({ method: 'GET', url: `/v1/incidents/${id}/report?format=md`, headers: auth });
  expect(md.headers['content-type']).toMatch(/text\/markdown/);
  for (const heading of ['Summary', 'Timeline', 'Rollback Metrics', 'Decisions', 'Stage Scorecard', 'Steps', 'Follow-Up Tasks']) {
    expect(md.body).toMatch(new RegExp(`^#+ ${heading}`, 'm'));
  }
  expect(md.body).toMatch(/Time to decision/i);
});
