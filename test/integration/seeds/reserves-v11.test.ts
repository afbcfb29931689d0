// Seed 000 ("Rollback Triggers for Reserves v1.1") end to end on the dev server, against a
// local reserves service: its health endpoint reports the flags from the file flag store,
// its /metrics (scraped by a real Prometheus) the error rate and p95 latency, and Slack and
// PagerDuty are the contract stand-ins.
//   - error rate > 0.1 % → the kill switch: ff_reserves_v11 really off, features and
//     metrics verified
//   - while the error rate has not recovered and nobody acts, people escalation pages the
//     on-call, then the team lead, then the engineering manager + product owner, at the
//     plan's times (minutes patched to seconds)
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../../src/adapters/fileFlagStore';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { recordQuery } from '../../../src/workflows/messages';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../support/contracts/pagerdutyServer';
import { startSlackStandIn, type SlackStandIn } from '../../support/contracts/slackServer';
import { connectClient, eventually, flagFile, keepHistory, SLACK_TEST_TOKEN, startWorker, testDeps, type TestWorker } from '../../support/harness';
import { startPrometheus, waitFor, type PrometheusServer } from '../../support/servers';
import { events, startRun } from '../runs';
import { reservesPlan as seedWorldPlan, startReserves, type ReservesService } from './reservesWorld';

const ROUTING_KEY = 'R0UT1NGKEY0123456789ABCDEFGHIJKL';
const ONCALL = 'U0RESONCALL';
const LEAD = 'U0RESTEAMLD';
const MANAGER = 'U0RESENGMGR';
const PRODUCT_OWNER = 'U0RESPRODOW';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let pagerduty: PagerDutyStandIn;
let worker: TestWorker;
let prometheus: PrometheusServer;
let reserves: ReservesService;
let flagPath: string;

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  pagerduty = await startPagerDutyStandIn();
  flagPath = await flagFile({ ff_reserves_v11: true, shadow_compare: true });
  reserves = await startReserves(async () => (await readFlagFile(flagPath)).flags.ff_reserves_v11?.enabled !== false);
  prometheus = await startPrometheus([reserves.address]);
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  await waitFor(async () => (await metrics.query('reserves_error_rate')).value !== undefined, 15_000);
  worker = await startWorker(
    testDeps({ flagStorePath: flagPath, slackUrl: slack.url, pagerdutyUrl: pagerduty.url, secrets: { RESERVES_PAGERDUTY_ROUTING_KEY: ROUTING_KEY } }),
  );
});

afterAll(async () => {
  await worker?.shutdown();
  await Promise.all([slack?.close(), pagerduty?.close(), prometheus?.stop()]);
  await reserves?.stop();
  await closeClient?.();
});

beforeEach(async () => {
  flagPath = await flagFile({ ff_reserves_v11: true, shadow_compare: true });
  reserves.lingering = false;
});

/** The seed plan in this world, on the file flag store. */
function reservesPlan(escalation?: { lead: string; manager: string }) {
  return seedWorldPlan({ reserves, prometheus, flags: { type: 'file', path: flagPath } }, escalation);
}

function pagesFor(incidentId: string): { people: string[]; text: string }[] {
  return slack.requests
    .filter((r) => r.path === '/api/chat.postMessage' && !r.scriptedFailure && String(r.body.text).includes(`${incidentId} needs you`))
    .map((r) => ({ people: [...String(r.body.text).matchAll(/<@(\w+)>/g)].map((m) => m[1]), text: String(r.body.text) }));
}

test('error rate > 0.1 %: the kill switch turns ff_reserves_v11 off in the flag store and recovery is verified', async () => {
  const handle = await startRun(client, worker.taskQueue, reservesPlan(), 'ReservesErrorRate', { service: 'reserves', value: '0.4%' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);
  await keepHistory(handle, 'reserves-v11-kill-switch');

  expect(result.outcome).toBe('rolled-back');
  expect(result.level).toBe(1);
  expect(record.decisions).toEqual([expect.objectContaining({ action: 'rollback', by: 'plan' })]);
  const flags = (await readFlagFile(flagPath)).flags;
  expect(flags.ff_reserves_v11?.enabled).toBe(false);
  expect(flags.shadow_compare?.enabled).toBe(false);
  expect(record.steps.map((s) => `${s.type} ${s.ok}: ${s.summary}`)).toEqual([
    'flag.disable true: flag ff_reserves_v11 turned off',
    'flag.disable true: flag shadow_compare turned off',
  ]);
  // §Verification Steps: the feature reported off by the service itself; error rate and latency back.
  const byCheck = Object.fromEntries(record.checks.map((c) => [c.check, c]));
  expect(byCheck['reserves-features']).toMatchObject({ ok: true, verdict: 'passed' });
  expect(byCheck['error-rate-recovered']).toMatchObject({ ok: true, verdict: 'passed' });
  expect(byCheck['latency-recovered']).toMatchObject({ ok: true, verdict: 'passed' });
  // The announcement from the plan's template, and the page resolved.
  const announced = slack.requests.find(
    (r) => r.path === '/api/chat.postMessage' && String(r.body.text).startsWith('Reserves v1.1 rolled back (ReservesErrorRate'),
  );
  expect(announced?.body.channel).toBe('#reserves-incidents');
  expect(pagerduty.incidents.get(handle.workflowId)).toMatchObject({ status: 'resolved' });
  // §Recovery Time Objectives, as the scorecard reports them.
  expect(record.scorecard.targets.find((t) => t.name === 'rto')?.met).toBe(true);
});

test('errors keep coming after the switch and nobody acts: on-call, then team lead, then manager + product owner are paged', async () => {
  reserves.lingering = true;
  // Prometheus must have scraped the lingering errors, or the first check already sees recovery.
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  await waitFor(async () => ((await metrics.query('reserves_error_rate')).value ?? 0) > 0.001, 15_000);
  const handle = await startRun(client, worker.taskQueue, reservesPlan({ lead: '2s', manager: '6s' }), 'ReservesErrorRate', {
    service: 'reserves',
    value: '0.4%',
  });
  const incidentId = handle.workflowId;

  // The on-call first, then the lead; the manager and product owner together, last.
  await eventually(
    () => pagesFor(incidentId),
    (pages) => pages.length >= 3,
    45_000,
  );
  expect(pagesFor(incidentId).map((p) => p.people)).toEqual([[ONCALL], [LEAD], [MANAGER, PRODUCT_OWNER]]);
  // The flag went off at once; the error rate is what has not recovered.
  expect((await readFlagFile(flagPath)).flags.ff_reserves_v11?.enabled).toBe(false);
  reserves.lingering = false;

  const result = await handle.result();
  const record = await handle.query(recordQuery);
  expect(result.outcome).toBe('rolled-back');
  expect(result.level).toBe(1);

  const detected = Date.parse(record.milestones.detected!);
  expect(record.escalations.map((e) => ({ roles: e.roles, people: e.people }))).toEqual([
    { roles: ['oncall'], people: [ONCALL] },
    { roles: ['team-lead'], people: [LEAD] },
    { roles: ['eng-manager', 'product-owner'], people: [MANAGER, PRODUCT_OWNER] },
  ]);
  const offsets = record.escalations.map((e) => Date.parse(e.at) - detected);
  // At the plan's times (timers never fire early; a loaded machine may make them late).
  expect(offsets[1]).toBeGreaterThanOrEqual(2000);
  expect(offsets[2]).toBeGreaterThanOrEqual(6000);
  expect(offsets[0]).toBeLessThan(offsets[1]);
  expect(offsets[1]).toBeLessThan(offsets[2]);
  expect(events(result).filter((e) => e === 'people escalation')).toHaveLength(3);
  // The error-rate check was sampled until it passed, inside its "within".
  const errorRate = record.checks.find((c) => c.check === 'error-rate-recovered')!;
  expect(errorRate.ok).toBe(true);
  expect(errorRate.attempts.length).toBeGreaterThan(1);
  expect(errorRate.attempts.at(-1)?.ok).toBe(true);
});
