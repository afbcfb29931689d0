// Alerts as production sends them: the same alert re-sent every group_interval and
// repeat_interval, re-sent after its run closed, several alerts for one service at the same
// moment through several API replicas. What an on-call would notice: how many runs open, how
// deep a verified rollback goes, who is told, and what the flag file says.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { readFlagFile, writeFlagFile } from '../../src/adapters/fileFlagStore';
import type { Plan } from '../../src/plan/schema';
import { deskIdFor } from '../../src/workflows/messages';
import { ALERTS_ONLY, testApi, testCredentials } from '../support/apiCredentials';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, eventually, flagFile, healthEndpoint, keepHistory, SLACK_TEST_TOKEN, startWorker, testDeps, type TestWorker } from '../support/harness';
import { alertmanagerPayload, type AlertSpec } from './alertPayload';
import { fixturePlan } from './fixturePlan';
import { deskView, events, nthRun, openRuns, status } from './runs';

const tokens = testCredentials({ alertmanager: ALERTS_ONLY });

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let slack: SlackStandIn;
let flags: string;
const plans = new Map<string, Plan>();
/** Two API replicas on one Temporal: alerts may reach either. */
let replicas: FastifyInstance[];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  health = await healthEndpoint(200);
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  flags = await flagFile({ new_checkout: true });
  worker = await startWorker(testDeps({ flagStorePath: flags, slackUrl: slack.url }));
  replicas = [0, 1].map(() => testApi(client, worker.taskQueue, tokens, plans));
});

afterAll(async () => {
  for (const app of replicas ?? []) await app.close();
  await worker?.shutdown();
  await slack?.close();
  await health?.close();
  await closeClient?.();
});

const fingerprint = () => randomBytes(8).toString('hex');

/** Someone turns the flag back on (the incident is over, or never happened). */
const flagBackOn = () => writeFlagFile(flags, { flags: { new_checkout: { enabled: true } } });

function plan(options: Partial<Parameters<typeof fixturePlan>[0]> = {}): Plan {
  const p = fixturePlan({ healthUrl: health.url, flagStorePath: flags, slackChannel: '#it-episodes', ...options });
  plans.set(p.name, p);
  return p;
}

interface Answer {
  code: number;
  /** Alerts of the payload the API joined to an identical delivery moments ago instead of signalling again. */
  coalesced: number;
}

async function post(p: Plan, replica: number, ...alerts: AlertSpec[]): Promise<Answer> {
  const res = await replicas[replica % replicas.length].inject({
    method: 'POST',
    url: '/v1/alerts/alertmanager',
    headers: tokens.auth('alertmanager'),
    payload: alertmanagerPayload(...alerts.map((a) => ({ plan: p.name, ...a }))),
  });
  const body = res.json<{ incidents?: { coalesced?: true }[] }>();
  return { code: res.statusCode, coalesced: (body.incidents ?? []).filter((i) => i.coalesced).length };
}

const desk = (p: Plan, service = 'checkout') => deskIdFor(p.name, service, p.targets.environment);

test('100 services, each sent two different alerts at the same moment through two replicas: exactly 100 runs', async () => {
  const services = Array.from({ length: 100 }, (_, i) => `svc${String(i).padStart(3, '0')}`);
  // Asks with a long window: every run stays open while we count.
  const p = plan({ services, window: '10m', defaultAction: 'hold' });
  const codes = await Promise.all(
    services.flatMap((service) => [
      post(p, 0, { alertname: 'ErrorRateHigh', service, fingerprint: fingerprint() }),
      post(p, 1, { alertname: 'ErrorRateHigh', service, fingerprint: fingerprint() }),
    ]),
  );
  expect(codes.every((a) => a.code === 202)).toBe(true);
  // Every desk has taken both alerts: one opened the run, the other joined it.
  const views = await eventually(
    () => Promise.all(services.map((s) => deskView(client, desk(p, s)))),
    (vs) => vs.every((v) => v.received === 2 && v.inbox === 0 && v.runs.length >= 1),
    90_000,
  );
  expect(views.map((v) => v.runs.length)).toEqual(services.map(() => 1));
  const open = await eventually(
    () => openRuns(client, p.name),
    (ids) => ids.length >= 100,
    60_000,
  );
  expect(open).toHaveLength(100);
  await Promise.all(views.map((v) => client.workflow.getHandle(v.runs[0].incidentId).terminate('test over')));
}, 240_000);

test('a re-sent alert while the rollback is monitored never re-opens it; a new alert does', async () => {
  await flagBackOn();
  const p = plan({ monitoring: { cycles: 3, interval: '2s' } });
  const fp = fingerprint();
  await post(p, 0, { alertname: 'ServiceDown', fingerprint: fp });
  const run = await nthRun(client, desk(p), 1);
  await eventually(
    () => status(run),
    (s) => s.stage === 'monitor',
  );
  // Alertmanager's group_interval and repeat_interval re-sends, through both replicas.
  // An HA pair of Alertmanagers re-sending at once: identical copies on one replica are coalesced, the rest counted.
  const resent = await Promise.all([0, 1, 2, 3].map((i) => post(p, i, { alertname: 'ServiceDown', fingerprint: fp })));
  expect(resent.every((a) => a.code === 202)).toBe(true);
  const coalesced = resent.reduce((n, a) => n + a.coalesced, 0);
  const result = await run.result();
  expect(result.outcome).toBe('rolled-back');
  expect(events(result)).not.toContain('monitoring re-opened the incident');
  expect(result.timeline.filter((e) => e.event.startsWith('level ')).length).toBe(1);
  const view = await deskView(client, desk(p));
  expect(view.episodes.find((e) => e.fingerprint === fp)?.repeats).toBe(4 - coalesced);
  expect(view.received).toBe(1 + 4 - coalesced);

  // Control: the same situation with a genuinely new alert re-opens monitoring.
  await flagBackOn();
  await post(p, 0, { alertname: 'ServiceDown', fingerprint: fingerprint() });
  const second = await nthRun(client, desk(p), 2);
  await eventually(
    () => status(second),
    (s) => s.stage === 'monitor',
  );
  await post(p, 1, { alertname: 'ServiceDown', fingerprint: fingerprint() });
  const reopened = await second.result();
  expect(events(reopened)).toContain('monitoring re-opened the incident');
  // The plan has one level: nothing deeper to go to, so people must look.
  expect(reopened.outcome).toBe('rollback-unverified');
});

test('re-sends after the run closed start nothing; people are told once it still fires; a new episode after a resolve is news', async () => {
  await flagBackOn();
  const p = plan();
  const fp = fingerprint();
  await post(p, 0, { alertname: 'ServiceDown', fingerprint: fp });
  const first = await nthRun(client, desk(p), 1);
  expect((await first.result()).outcome).toBe('rolled-back');
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);

  // 50 re-sends of the same episode at once, through both replicas (as around an API restart).
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(p, i, { alertname: 'ServiceDown', fingerprint: fp })));
  expect(answers.every((a) => a.code === 202)).toBe(true);
  // Each replica hands the first copy on and joins the others to it: the desk hears one per replica.
  const coalesced = answers.reduce((n, a) => n + a.coalesced, 0);
  expect(coalesced).toBeGreaterThanOrEqual(50 - replicas.length);
  const view = await eventually(
    () => deskView(client, desk(p)),
    (v) => v.received === 1 + 50 - coalesced && v.inbox === 0,
    60_000,
  );
  expect(view.runs).toHaveLength(1);
  expect(view.timeline.filter((e) => e.event === 'still firing after close')).toHaveLength(1);
  const told = await eventually(
    () =>
      slack.requests.filter(
        (r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes('still firing') && JSON.stringify(r.body).includes(p.name),
      ),
    (ms) => ms.length >= 1,
  );
  expect(told).toHaveLength(1);
  expect(await openRuns(client, p.name)).toEqual([]);

  // Resolved, then firing again with a new startsAt: a new episode, so a new run.
  await post(p, 0, { alertname: 'ServiceDown', fingerprint: fp, status: 'resolved' });
  await flagBackOn();
  await post(p, 1, { alertname: 'ServiceDown', fingerprint: fp, startsAt: '2026-11-24T11:00:00Z' });
  const second = await nthRun(client, desk(p), 2);
  expect((await second.result()).outcome).toBe('rolled-back');
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
  await eventually(
    () => deskView(client, desk(p)),
    (v) => v.runs.every((r) => r.closedAt !== undefined),
  );
  await keepHistory(client.workflow.getHandle(desk(p)), 'service-desk-repeats-after-close', { running: true });
});
