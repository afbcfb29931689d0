// Seed 002 (Lens Sprint #1 canary) end to end on the dev server, against a real nginx
// (the control/treatment split), a real Redis (the configuration cache) and a real
// Prometheus scraping the canary's metrics. The plan is plans/lens-sprint1-canary.yaml;
// only the seed's world is patched: its shell commands for the adapters that exist here
// (nginx, Redis, the flag store) or for local stand-ins, and minutes to seconds.
import { expect } from '@jest/globals';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createClient } from 'redis';
import { readFlagFile } from '../../../src/adapters/fileFlagStore';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { NginxRouter } from '../../../src/adapters/traffic/nginx';
import type { Plan } from '../../../src/plan/schema';
import { decideUpdate, recordQuery, type IncidentRecord } from '../../../src/workflows/messages';
import { startSlackStandIn, type SlackStandIn } from '../../support/contracts/slackServer';
import { connectClient, eventually, flagFile, keepHistory, SLACK_TEST_TOKEN, startWorker, testDeps, uniqueName, type TestWorker } from '../../support/harness';
import {
  startBackend,
  startMetricsEndpoint,
  startNginx,
  startPrometheus,
  startRedis,
  stopAll,
  tally,
  waitFor,
  type Backend,
  type NginxServer,
  type PrometheusServer,
  type RedisServer,
} from '../../support/servers';
import { events, expectMilestonesInOrder, status } from '../runs';
import { seedPlan } from './seedPlan';
import { at, startSeedRun } from './seedRuns';

const SERVICE = 'lens-search';
const QA_DRI = 'U0LENSQADRI';
const SPRINT_DRI = 'U0LENSDRIBE';
const SPRINT_PM = 'U0LENSSPM01';
/** The logical Redis database of the configuration cache; db 0 holds sessions the rollback must not touch. */
const CONFIG_DB = 3;
const SESSIONS_DB = 0;

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let slack: SlackStandIn;
let control: Backend;
let treatment: Backend;
let nginx: NginxServer;
let router: NginxRouter;
let redis: RedisServer;
let prometheus: PrometheusServer;
let metricsEndpoint: Awaited<ReturnType<typeof startMetricsEndpoint>>;
let scrapes = 0;

/** The treatment's share of the weights in nginx's upstream file right now: what the canary's metric reports. */
function treatmentShare(): number {
  const file = readFileSync(nginx.upstreamFile, 'utf8');
  let total = 0;
  let onTreatment = 0;
  for (const m of file.matchAll(/server (\S+) ([^;]*);/g)) {
    const weight = m[2].includes('down') ? 0 : Number(/weight=(\d+)/.exec(m[2])?.[1] ?? 1);
    total += weight;
    if (m[1] === treatment.address) onTreatment += weight;
  }
  return total === 0 ? 0 : onTreatment / total;
}

/** The canary's metrics at baseline, except the traffic split, which is read from the real nginx. */
function canaryMetrics(): string {
  scrapes++;
  return `# TYPE lens_requests_total counter
lens_requests_total{shard="1"} ${1000 + scrapes * 100}
# TYPE lens_requests_errors_total counter
lens_requests_errors_total{shard="1"} 0
lens:p99_latency:ratio_to_baseline 1.01
shard_cpu_utilisation{shard="1"} 0.42
shard_memory_utilisation{shard="1"} 0.55
lens_treatment_traffic_ratio ${treatmentShare()}
lens_ndcg_at_10 0.5236
lens:sla_recall_at_50:ratio_to_expected 1
`;
}

async function redisDb(db: number) {
  const c = createClient({ url: redis.url, database: db });
  await c.connect();
  return c;
}

async function fillRedis(): Promise<void> {
  const config = await redisDb(CONFIG_DB);
  for (const key of ['config:hedging', 'config:ta_nra', 'config:ranking']) await config.set(key, 'treatment');
  await config.close();
  const sessions = await redisDb(SESSIONS_DB);
  for (const key of ['session:1', 'session:2']) await sessions.set(key, 'user');
  await sessions.close();
}

async function dbSize(db: number): Promise<number> {
  const c = await redisDb(db);
  const n = await c.dbSize();
  await c.close();
  return n;
}

interface World {
  dir: string;
  flags: string;
  plan: Plan;
}

/** The seed plan with its world on this machine; `windows` shortens the ask windows by phase. */
async function world(windows: { '25%': string; '50%': string }): Promise<World> {
  const dir = join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('lens-world'));
  mkdirSync(dir, { recursive: true });
  const flags = await flagFile({ hedging: true, ta_nra_optimization: true });
  const plan = seedPlan('lens-sprint1-canary', (doc) => {
    for (const step of doc.levels[0].steps) {
      // nginx, Redis and the flag store act through their adapters instead of the seed's CLIs.
      if (['traffic.shift', 'flag.disable', 'cache.flush'].includes(step.type)) delete step.command;
      if (step.type === 'service.stop') step.command = 'echo stopped > hedging-service.state';
      if (step.command === 'config-update --disable-early-stop') step.command = 'echo early_stop=disabled > ta-nra.conf';
    }
    for (const rule of doc.decisions[0].rules) {
      if (rule.when?.trigger === 'NdcgRegression' && rule.outcome.action === 'ask') rule.outcome.window = windows[rule.when.phase as '25%' | '50%'] ?? '3s';
      if (rule.outcome.action === 'ask' && rule.when?.trigger !== 'NdcgRegression') rule.outcome.window = '3s';
    }
    // Step 4's smoke test: a request through the load balancer lands on control.
    doc.checks = { ...doc.checks, smoke: { type: 'command', command: `test "$(curl -sf ${nginx.url}/)" = control`, timeout: '10s' } };
    // Prometheus scrapes every second: let one scrape pass after the shift before checking.
    doc.verification = { settle: '1500ms' };
    doc.monitoring = { ...doc.monitoring, cycles: 1, interval: '1s' };
    doc.adapters = {
      flags: { type: 'file', path: flags },
      commands: { cwd: dir },
      traffic: {
        type: 'nginx',
        conf: nginx.conf,
        upstreamFile: nginx.upstreamFile,
        statusUrl: nginx.statusUrl,
        binary: nginx.binary,
        services: { [SERVICE]: { pools: { control: [control.address], treatment: [treatment.address] } } },
      },
      cache: { type: 'redis', urlEnv: 'LENS_REDIS_URL', caches: { configuration: { db: CONFIG_DB } } },
      metrics: { type: 'prometheus', url: prometheus.url },
    };
  });
  return { dir, flags, plan };
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  control = await startBackend('control');
  treatment = await startBackend('treatment');
  nginx = await startNginx({
    upstreams: `upstream ${SERVICE} {\n    server ${control.address} weight=3;\n    server ${treatment.address} weight=1;\n}\n`,
    routes: { '/': SERVICE },
  });
  router = new NginxRouter({
    conf: nginx.conf,
    upstreamFile: nginx.upstreamFile,
    binary: nginx.binary,
    services: { [SERVICE]: { pools: { control: [control.address], treatment: [treatment.address] } } },
  });
  redis = await startRedis();
  metricsEndpoint = await startMetricsEndpoint(canaryMetrics);
  prometheus = await startPrometheus([metricsEndpoint.address]);
  // The error-rate query is a rate over counters: it needs two scrapes.
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  await waitFor(
    async () => (await metrics.query('sum(rate(lens_requests_errors_total[1m])) / sum(rate(lens_requests_total[1m]))')).value !== undefined,
    20_000,
  );
  worker = await startWorker(
    testDeps({
      flagStorePath: join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('unused-flags')),
      slackUrl: slack.url,
      secrets: { LENS_REDIS_URL: redis.url },
    }),
  );
}, 60_000);

afterAll(async () => {
  await worker?.shutdown();
  await stopAll();
  await Promise.all([control?.stop(), treatment?.stop(), metricsEndpoint?.stop(), slack?.close()]);
  await closeClient?.();
});

beforeEach(async () => {
  // The canary at 25 %: a quarter of the requests on the treatment, a full configuration cache.
  await router.shift(SERVICE, 'treatment', 25);
  await fillRedis();
});

function record(handle: WorkflowHandle): Promise<IncidentRecord> {
  return handle.query(recordQuery);
}

function slackPosts(incidentId: string, channel?: string) {
  return slack.requests.filter(
    (r) =>
      r.path === '/api/chat.postMessage' &&
      !r.scriptedFailure &&
      JSON.stringify(r.body).includes(incidentId) === true &&
      (!channel || r.body.channel === channel),
  );
}

function slackMessages(channel: string, text: string) {
  return slack.requests.filter(
    (r) => r.path === '/api/chat.postMessage' && r.body.channel === channel && typeof r.body.text === 'string' && r.body.text.includes(text),
  );
}

test('nDCG drops at 25 %: the QA DRI is asked for 3 s, nobody answers, the clock rolls back; nginx sends everything to control and the config cache is flushed', async () => {
  const { dir, flags, plan } = await world({ '25%': '3s', '50%': '20s' });
  const before = await tally(nginx.url, 40);
  expect(before.control).toBeGreaterThan(0);
  expect(before.treatment).toBeGreaterThan(0);
  expect(await dbSize(CONFIG_DB)).toBe(3);

  const started = Date.now();
  const handle = await startSeedRun(client, worker.taskQueue, plan, {
    service: SERVICE,
    trigger: 'NdcgRegression',
    value: '0.5101',
    context: { phase: '25%', value: 0.5101 },
  });
  const waiting = await eventually(
    () => status(handle),
    (s) => s.pendingApproval !== undefined,
  );
  expect(waiting.stage).toBe('decide');
  expect(waiting.pendingApproval).toMatchObject({ roles: ['qa-dri'], people: [QA_DRI], default: 'rollback' });
  const windowMs = Date.parse(waiting.pendingApproval!.deadline) - Date.parse(waiting.timeline.at(-1)!.at);
  expect(windowMs).toBeLessThanOrEqual(3000);
  // The Slack request names the QA DRI and carries the buttons.
  const request = await eventually(
    () => slackPosts(handle.workflowId, '#sprint-1-channel').find((r) => r.body.blocks),
    (r) => r !== undefined,
  );
  expect(JSON.stringify(request!.body.blocks)).toContain(`<@${QA_DRI}>`);
  // Nothing has changed yet.
  expect((await tally(nginx.url, 8)).treatment).toBeGreaterThan(0);

  const result = await handle.result();
  await keepHistory(handle, 'lens-sprint1-canary-clock-rollback');
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);

  // Outcome and who decided.
  expect(result.outcome).toBe('rolled-back');
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'clock' });
  expect(result.decision!.reason).toMatch(/nobody decided within 3s; plan default is rollback/);
  expect(result.level).toBe(1);

  // The real systems: every request through nginx lands on control; FLUSHDB emptied the configuration db only.
  expect(await tally(nginx.url, 20)).toEqual({ control: 20 });
  await expect(router.weights(SERVICE)).resolves.toEqual({ control: 100, treatment: 0 });
  expect(await dbSize(CONFIG_DB)).toBe(0);
  expect(await dbSize(SESSIONS_DB)).toBe(2);
  const flagState = (await readFlagFile(flags)).flags;
  expect(flagState.hedging?.enabled).toBe(false);
  expect(flagState.ta_nra_optimization?.enabled).toBe(false);
  expect(readFileSync(join(dir, 'hedging-service.state'), 'utf8').trim()).toBe('stopped');
  expect(readFileSync(join(dir, 'ta-nra.conf'), 'utf8').trim()).toBe('early_stop=disabled');

  const rec = await record(handle);
  // The seed's Step 1 → Step 2 in order, each on its real system.
  expect(rec.steps.map((s) => `${s.type}${s.ok ? '' : ' FAILED'}`)).toEqual([
    'traffic.shift',
    'notify.slack',
    'service.stop',
    'command.run',
    'flag.disable',
    'flag.disable',
    'cache.flush',
  ]);
  expect(rec.steps[0]).toMatchObject({ details: { previous: { control: 75, treatment: 25 }, weights: { control: 100, treatment: 0 }, reloadConfirmed: true } });
  expect(rec.steps[6]).toMatchObject({ command: `SELECT ${CONFIG_DB}; FLUSHDB`, details: { db: CONFIG_DB, keysBefore: 3, keysAfter: 0 } });
  // Step 3 and Step 4 checks against Prometheus (the split metric follows nginx) and the smoke test through nginx.
  expect(Object.fromEntries(rec.checks.map((c) => [c.check, c.verdict]))).toEqual({
    'error-rate-low': 'passed',
    'p99-at-baseline': 'passed',
    'resources-normal': 'passed',
    'traffic-on-control': 'passed',
    smoke: 'passed',
    'ndcg-at-baseline': 'passed',
    'recall-at-50': 'passed',
  });

  // Stages and milestones: the decide stage lasted the window; traffic reverted before the rest.
  const decide = rec.stages.find((s) => s.stage === 'decide')!;
  expect(decide.durationMs).toBeGreaterThanOrEqual(3000);
  expect(rec.stages.map((s) => s.stage)).toEqual(
    expect.arrayContaining(['detect', 'decide', 'announce', 'drain', 'roll-back', 'verify', 'validate-slos', 'monitor', 'report', 'done']),
  );
  expectMilestonesInOrder(rec.milestones, [
    'detected',
    'decided',
    'announced',
    'drained',
    'rolled-back',
    'verified',
    'validated',
    'stabilized',
    'notified',
    'monitored',
    'reported',
  ]);
  expect(Date.parse(rec.milestones.drained!)).toBeLessThanOrEqual(Date.parse(rec.milestones['rolled-back']!));

  // Scorecard: nobody decided, the clock's default did, so the run is automated (trigger → traffic reversion < 60 s,
  // the window included); the manual target (a person's decision → traffic reversion) does not apply.
  const targets = Object.fromEntries(rec.scorecard.targets.map((t) => [t.name, t]));
  expect(Object.keys(targets).sort()).toEqual(['automated', 'communication', 'ndcg-decision', 'stabilization']);
  // The matrix's nDCG decision time at 25 %: 5 minutes (issue 11, targets by canary phase).
  expect(targets['ndcg-decision']).toMatchObject({
    from: 'detected',
    to: 'decided',
    within: 300_000,
    appliesTo: 'trigger NdcgRegression; phase 25%',
    met: true,
  });
  expect(targets.automated).toMatchObject({ from: 'detected', to: 'drained', within: 60_000, met: true });
  expect(targets.stabilization).toMatchObject({ met: true });
  expect(targets.communication).toMatchObject({ met: true });
  expect(rec.scorecard.met).toBe(true);

  // Timeline: asked, clock decided, then traffic first.
  const tl = rec.timeline;
  expect(at(tl, 'approval requested: rollback for NdcgRegression')).toBeGreaterThan(at(tl, 'detected'));
  expect(at(tl, 'decision: rollback')).toBeGreaterThan(at(tl, 'approval requested'));
  expect(at(tl, 'step traffic.shift done')).toBeGreaterThan(at(tl, 'decision: rollback'));
  expect(at(tl, 'step cache.flush done')).toBeGreaterThan(at(tl, 'step traffic.shift done'));
  expect(events(rec)).toContain('Slack approval update sent');

  // Slack: #sprint-1-channel heard the emergency stop; engineering and product got Step 5's notifications.
  // The approval request was updated in place: the clock's default, and no buttons left to click.
  const update = slack.requests.find((r) => r.path === '/api/chat.update' && JSON.stringify(r.body).includes(handle.workflowId));
  expect(update?.body).toMatchObject({ channel: request!.body.channel, text: ':hourglass: No answer by the deadline: default applied, *roll back*' });
  expect((update!.body.blocks as { type: string }[]).map((b) => b.type)).not.toContain('actions');
  expect(slackMessages('#sprint-1-channel', 'traffic reverted to control').length).toBeGreaterThan(0);
  const [engineering] = slackMessages('#lens-engineering', 'Rollback of lens-sprint1-canary complete. Trigger NdcgRegression, value 0.5101 vs 0.5184.');
  expect(String(engineering?.body.text)).toContain('ndcg-at-baseline passed: 0.5236 >= 0.5184');
  expect(slackMessages('#lens-product', 'Sprint 1 canary rolled back (NdcgRegression)').length).toBeGreaterThan(0);
});

test('error rate 5 % at 25 %: the plan rolls back at once without asking; the automated time targets are scored', async () => {
  const { plan } = await world({ '25%': '3s', '50%': '20s' });
  const handle = await startSeedRun(client, worker.taskQueue, plan, {
    service: SERVICE,
    trigger: 'ErrorRateCritical',
    value: '5%',
    context: { phase: '25%', value: 0.05 },
  });
  const result = await handle.result();

  expect(result.outcome).toBe('rolled-back');
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'plan' });
  expect(result.decision!.reason).toContain('without asking');
  expect(events(result).filter((e) => e.startsWith('approval requested'))).toEqual([]);
  expect(slackPosts(handle.workflowId).filter((r) => r.body.blocks)).toEqual([]);
  expect(await tally(nginx.url, 20)).toEqual({ control: 20 });
  expect(await dbSize(CONFIG_DB)).toBe(0);
  expect(await dbSize(SESSIONS_DB)).toBe(2);

  const rec = await record(handle);
  const targets = Object.fromEntries(rec.scorecard.targets.map((t) => [t.name, t]));
  // Trigger 1: < 30 s from trigger to traffic reversion, and the general < 60 s; no manual target.
  expect(Object.keys(targets).sort()).toEqual(['automated', 'automated-critical', 'communication', 'stabilization']);
  // Each scored on the span the seed names, against its own target (how fast is the benchmark's to measure).
  const span = (from: 'detected', to: 'drained') => Date.parse(rec.milestones[to]!) - Date.parse(rec.milestones[from]!);
  expect(targets['automated-critical']).toMatchObject({ from: 'detected', to: 'drained', within: 30_000, actual: span('detected', 'drained') });
  expect(targets.automated).toMatchObject({ from: 'detected', to: 'drained', within: 60_000, actual: span('detected', 'drained') });
  const scored = [...rec.scorecard.targets, ...(rec.scorecard.sla ? [rec.scorecard.sla] : [])];
  for (const t of scored) expect({ name: t.name, met: t.met }).toEqual({ name: t.name, met: t.actual! <= t.within });
  expect(rec.scorecard.met).toBe(scored.every((t) => t.met));
  // No window: nobody was asked, and the decision came after detection, before traffic moved.
  expect(Date.parse(rec.milestones.decided!)).toBeGreaterThanOrEqual(Date.parse(rec.milestones.detected!));
  expect(Date.parse(rec.milestones.decided!)).toBeLessThanOrEqual(Date.parse(rec.milestones.drained!));
});

test('nDCG drops at 50 %: QA DRI + Sprint DRI must both approve; one is not enough, an outsider is refused', async () => {
  const { plan } = await world({ '25%': '3s', '50%': '30s' });
  const handle = await startSeedRun(client, worker.taskQueue, plan, {
    service: SERVICE,
    trigger: 'NdcgRegression',
    value: '0.51',
    context: { phase: '50%', value: 0.51 },
  });
  const waiting = await eventually(
    () => status(handle),
    (s) => s.pendingApproval !== undefined,
  );
  expect(waiting.pendingApproval?.roles).toEqual(['qa-dri', 'sprint-dri']);

  await expect(handle.executeUpdate(decideUpdate, { args: [{ verdict: 'approve', by: SPRINT_PM, reason: 'ship it back' }] })).resolves.toMatchObject({
    accepted: false,
    refusal: 'not-an-approver',
  });
  await expect(handle.executeUpdate(decideUpdate, { args: [{ verdict: 'approve', by: QA_DRI, reason: 'quality regressed' }] })).resolves.toEqual({
    accepted: true,
  });
  // One of two: still asking, nothing rolled back.
  const half = await status(handle);
  expect(half.stage).toBe('decide');
  expect(half.decision).toBeUndefined();
  expect(half.pendingApproval).toMatchObject({ roles: ['qa-dri', 'sprint-dri'], default: 'rollback' });
  expect((await tally(nginx.url, 8)).treatment).toBeGreaterThan(0);

  await expect(handle.executeUpdate(decideUpdate, { args: [{ verdict: 'approve', by: SPRINT_DRI, reason: 'agreed' }] })).resolves.toEqual({ accepted: true });
  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  expect(result.decision).toMatchObject({ action: 'rollback', by: SPRINT_DRI });
  expect(result.decision!.reason).toContain(`${QA_DRI}: quality regressed`);
  expect(result.decision!.reason).toContain(`${SPRINT_DRI}: agreed`);
  expect(result.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'approve refused', detail: expect.stringContaining(SPRINT_PM) })]));
  expect(await tally(nginx.url, 20)).toEqual({ control: 20 });
});
