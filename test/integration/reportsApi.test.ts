// GET /v1/freeze and GET /v1/incidents/:id/report against the real dev server. The runs
// here are started on a task queue no worker polls: they stay open (Running) without any
// workflow code running, which is all the freeze check needs — so these tests do not
// depend on the workflow's behaviour. Reports of real runs need a worker answering the
// record query; the report's content is covered by test/unit/report.
import { expect } from '@jest/globals';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../../src/api/errors';
import { type FreezeAnswer } from '../../src/incidents/runs';
import { startIncident } from '../../src/incidents/start';
import type { Plan } from '../../src/plan/schema';
import { READER, testApi, testCredentials } from '../support/apiCredentials';
import { connectClient, eventually, uniqueName } from '../support/harness';
import { fixturePlan } from './fixturePlan';
import { terminateAll } from './runs';

const tokens = testCredentials({ reader: READER });
const auth = tokens.auth('reader');
const NO_WORKER = uniqueName('tq-no-worker');

let client: Client;
let closeClient: () => Promise<void>;
const started: string[] = [];

/** A plan with two services of its own (unique names: other tests share the server). */
function planWith(freeze: Plan['freeze']): { plan: Plan; a: string; b: string } {
  const base = fixturePlan({ healthUrl: 'http://127.0.0.1:1/health', flagStorePath: '/nonexistent/flags.json' });
  const a = uniqueName('svc-a');
  const b = uniqueName('svc-b');
  const services = [a, b].map((name) => ({ name, dependsOn: [], checks: [] }));
  return { plan: { ...base, targets: { ...base.targets, services }, ...(freeze ? { freeze } : {}) }, a, b };
}

function app(plans: Plan[]): FastifyInstance {
  return testApi(client, NO_WORKER, tokens, new Map(plans.map((p) => [p.name, p])));
}

async function open(plan: Plan, service: string): Promise<string> {
  const incidentId = uniqueName(`rollback-${plan.name}-${service}`);
  const result = await startIncident(client, NO_WORKER, {
    incidentId,
    plan,
    service,
    trigger: 'ErrorRateHigh',
    alert: { status: 'firing', receivedAt: new Date().toISOString(), labels: { alertname: 'ErrorRateHigh', service } },
  });
  expect(result).toMatchObject({ incidentId, status: 'started' });
  started.push(incidentId);
  return incidentId;
}

async function freeze(api: FastifyInstance, service: string) {
  const res = await api.inject({ method: 'GET', url: `/v1/freeze?service=${service}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json<FreezeAnswer>();
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
});

afterAll(async () => {
  await terminateAll(client, started);
  await closeClient?.();
});

test('scope all: an open run for one service freezes every service of the plan until it closes', async () => {
  const { plan, a, b } = planWith({ deployments: true, scope: 'all' });
  const api = app([plan]);
  expect(await freeze(api, b)).toEqual({ service: b, frozen: false, incidents: [], reason: `no open incident freezes deployments of ${b}` });

  const id = await open(plan, a);
  const frozen = await eventually(
    () => freeze(api, b),
    (f) => f.frozen === true,
  );
  expect(frozen).toEqual({
    service: b,
    frozen: true,
    incidents: [{ incidentId: id, plan: plan.name, stage: 'detect', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }],
    reason: `deployments of ${b} are frozen while incident ${id} (plan ${plan.name}, stage detect) is open`,
  });
  // Small and stable: exactly these keys, for pipelines.
  expect(Object.keys(frozen).sort()).toEqual(['frozen', 'incidents', 'reason', 'service']);

  await client.workflow.getHandle(id).terminate('incident closed');
  await eventually(
    () => freeze(api, b),
    (f) => f.frozen === false,
  );
  await api.close();
});

test('affected-services: only the run’s own service is frozen; a plan without freeze freezes nothing', async () => {
  const narrow = planWith({ deployments: true, scope: 'affected-services' });
  const none = planWith(undefined);
  const api = app([narrow.plan, none.plan]);
  const id = await open(narrow.plan, narrow.a);
  await open(none.plan, none.a);
  expect(
    (
      await eventually(
        () => freeze(api, narrow.a),
        (f) => f.frozen,
      )
    ).incidents,
  ).toEqual([expect.objectContaining({ incidentId: id })]);
  expect(await freeze(api, narrow.b)).toMatchObject({ frozen: false, incidents: [] });
  // Give visibility time to list the second run, then check it still freezes nothing.
  const listed = async () => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query: `RollbackService = '${none.a}'` })) ids.push(wf.workflowId);
    return ids;
  };
  await eventually(listed, (ids) => ids.length === 1);
  expect(await freeze(api, none.a)).toMatchObject({ frozen: false, incidents: [] });
  await api.close();
});

test('a drill of a freezing plan does not freeze deployments', async () => {
  const wide = planWith({ deployments: true, scope: 'all' });
  const api = app([wide.plan]);
  const incidentId = uniqueName(`drill-${wide.plan.name}`);
  await startIncident(client, NO_WORKER, {
    incidentId,
    plan: wide.plan,
    service: wide.a,
    trigger: 'ErrorRateHigh',
    drill: 'rehearsal',
    alert: { status: 'firing', receivedAt: new Date().toISOString(), labels: { alertname: 'ErrorRateHigh', service: wide.a } },
  });
  started.push(incidentId);
  // Once visibility lists the drill, the freeze check still says no.
  await eventually(
    async () => {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query: `RollbackDrill = 'rehearsal' AND RollbackService = '${wide.a}'` })) ids.push(wf.workflowId);
      return ids;
    },
    (ids) => ids.includes(incidentId),
  );
  expect(await freeze(api, wide.a)).toMatchObject({ frozen: false, incidents: [] });
  await api.close();
});

test('a run whose plan the API no longer has is judged by the plan in its own history', async () => {
  const { plan, a } = planWith({ deployments: true, scope: 'affected-services' });
  const api = app([]);
  const id = await open(plan, a);
  const frozen = await eventually(
    () => freeze(api, a),
    (f) => f.frozen,
  );
  expect(frozen.incidents).toEqual([expect.objectContaining({ incidentId: id, plan: plan.name })]);
  await api.close();
});

test('freeze: a missing or malformed service is a 400 naming the field; no token is a 401', async () => {
  const api = app([]);
  const missing = await api.inject({ method: 'GET', url: '/v1/freeze', headers: auth });
  expect(missing.statusCode).toBe(400);
  expect(ErrorBody.parse(missing.json()).issues?.[0].field).toBe('service');
  const bad = await api.inject({ method: 'GET', url: '/v1/freeze?service=Not%20A%20Service', headers: auth });
  expect(bad.statusCode).toBe(400);
  expect(ErrorBody.parse(bad.json()).issues?.[0]).toMatchObject({ field: 'service' });
  expect((await api.inject({ method: 'GET', url: '/v1/freeze?service=checkout' })).statusCode).toBe(401);
  await api.close();
});

test('report: unknown incidents are 404, a bad format is 400', async () => {
  const api = app([]);
  const unknown = await api.inject({ method: 'GET', url: `/v1/incidents/${uniqueName('no-such-incident')}/report`, headers: auth });
  expect(unknown.statusCode).toBe(404);
  expect(ErrorBody.parse(unknown.json()).issues?.[0].field).toBe('params.id');
  const format = await api.inject({ method: 'GET', url: '/v1/incidents/x/report?format=pdf', headers: auth });
  expect(format.statusCode).toBe(400);
  expect(ErrorBody.parse(format.json()).issues?.[0].field).toBe('format');
  expect((await api.inject({ method: 'GET', url: '/v1/incidents/x/report' })).statusCode).toBe(401);
  await api.close();
});
