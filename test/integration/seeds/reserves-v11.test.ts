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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFlagFile } from '../../../src/adapters/fileFlagStore';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { recordQuery } from '../../../src/workflows/messages';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../support/contracts/pagerdutyServer';
import { startSlackStandIn, type SlackStandIn } from '../../support/contracts/slackServer';
import { connectClient, eventually, flagFile, keepHistory, SLACK_TEST_TOKEN, startWorker, testDeps, type TestWorker } from '../../support/harness';
import { startPrometheus, waitFor, type PrometheusServer } from '../../support/servers';
import { events, startRun } from '../runs';
import { seedPlan } from './seedPlan';

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

/**
 * The reserves service: v1.1 fails 0.4 % of calculations while its flag is on; with the
 * legacy engine the error rate is back to baseline — unless `lingering` keeps it up (errors
 * still draining after the switch).
 */
interface ReservesService {
  url: string;
  address: string;
  flags: string;
  lingering: boolean;
  stop(): Promise<void>;
}

async function startReserves(): Promise<ReservesService> {
  const service = { flags: await flagFile({ ff_reserves_v11: true, shadow_compare: true }), lingering: false } as ReservesService;
  const v11On = async () => (await readFlagFile(service.flags)).flags.ff_reserves_v11?.enabled !== false;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const on = await v11On();
      if (req.url === '/api/reserves/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', features: { reserves_v11: on, engine: on ? 'v1.1' : 'legacy' } }));
      } else if (req.url === '/metrics') {
        const bad = on || service.lingering;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(`reserves_error_rate ${bad ? 0.004 : 0.00004}\nreserves_p95_latency_seconds ${bad ? 0.62 : 0.08}\n`);
      } else {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  service.url = `http://127.0.0.1:${port}`;
  service.address = `127.0.0.1:${port}`;
  service.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return service;
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  pagerduty = await startPagerDutyStandIn();
  reserves = await startReserves();
  prometheus = await startPrometheus([reserves.address]);
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  await waitFor(async () => (await metrics.query('reserves_error_rate')).value !== undefined, 15_000);
  worker = await startWorker(
    testDeps({ flagStorePath: reserves.flags, slackUrl: slack.url, pagerdutyUrl: pagerduty.url, secrets: { RESERVES_PAGERDUTY_ROUTING_KEY: ROUTING_KEY } }),
  );
});

afterAll(async () => {
  await worker?.shutdown();
  await Promise.all([slack?.close(), pagerduty?.close(), prometheus?.stop()]);
  await reserves?.stop();
  await closeClient?.();
});

beforeEach(async () => {
  reserves.flags = await flagFile({ ff_reserves_v11: true, shadow_compare: true });
  reserves.lingering = false;
});

/** The seed plan in this world: api.example.com is the local service, minutes are seconds. */
function reservesPlan(escalation: { lead: string; manager: string } = { lead: '5s', manager: '15s' }) {
  return seedPlan('reserves-v11', (doc) => {
    doc.adapters = { flags: { type: 'file', path: reserves.flags }, metrics: { type: 'prometheus', url: prometheus.url } };
    // §Verification Steps 1, unchanged but for the host.
    doc.checks['reserves-features'].command = doc.checks['reserves-features'].command.replace('https://api.example.com', reserves.url);
    // §Monitoring During Rollback: the two metrics as the service exports them; "within" in seconds.
    Object.assign(doc.checks['error-rate-recovered'], { query: 'reserves_error_rate', within: '30s' });
    Object.assign(doc.checks['latency-recovered'], { query: 'reserves_p95_latency_seconds', sampleUnit: 's', within: '30s' });
    const [oncall, lead, manager] = doc.authority.escalation;
    oncall.after = '0s';
    lead.after = escalation.lead;
    manager.after = escalation.manager;
    doc.timing.sla.within = '1m';
    doc.timing.targets[0].within = '30s';
  });
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
  const flags = (await readFlagFile(reserves.flags)).flags;
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
    async () => pagesFor(incidentId),
    (pages) => pages.length >= 3,
    45_000,
  );
  expect(pagesFor(incidentId).map((p) => p.people)).toEqual([[ONCALL], [LEAD], [MANAGER, PRODUCT_OWNER]]);
  // The flag went off at once; the error rate is what has not recovered.
  expect((await readFlagFile(reserves.flags)).flags.ff_reserves_v11?.enabled).toBe(false);
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
