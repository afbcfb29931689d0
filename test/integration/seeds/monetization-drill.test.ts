// Seed 003 ("Rollback Drill Playbook") end to end on the dev server, the plan as shipped, in
// a local copy of the monetization platform's world: a folder with the release tools the
// plan calls (image confirmation against a "registry" listing the images that exist, a
// deploy tool writing a deploy log, the preflight), health endpoints, and a real Prometheus
// scraping the platform's request counters for the trigger metric snapshots.
//   (a) immediate trigger: targets confirmed first, agent writes off and agent-service
//       redeployed, then backend services in dependency waves, the web portal last, after
//       the backend's stabilization and checks; a missing target stops everything first
//   (b) irreversible migration: only the first response runs; a person takes on the forward fix
//   (c) the quarterly drill: every item of the §5 evidence checklist filled from the run
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../../src/adapters/fileFlagStore';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { buildReport, drillEvidence, renderMarkdown } from '../../../src/report';
import { approveSignal, type IncidentRecord, recordQuery } from '../../../src/workflows/messages';
import { connectClient, eventually, flagFile, healthEndpoint, keepHistory, startWorker, testDeps, type TestWorker } from '../../support/harness';
import { startMetricsEndpoint, startPrometheus, waitFor, type PrometheusServer } from '../../support/servers';
import { events, startRun, status, waitForApprovalRequest } from '../runs';
import { seedPlan } from './seedPlan';

const COMMANDER = 'U0MONIC0001';
const STABILIZATION_MS = 1500;

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let metricsEndpoint: Awaited<ReturnType<typeof startMetricsEndpoint>>;
let prometheus: PrometheusServer;
const dirs: string[] = [];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  health = await healthEndpoint(200);
  // The platform's request counters while the incident is on: 3.4 % of critical requests
  // answer 5xx, and every one takes between 0.5 s and 1 s.
  const started = Date.now();
  metricsEndpoint = await startMetricsEndpoint(() => {
    const n = Date.now() - started;
    return [
      `http_requests_total{critical="true",code="500"} ${34 * n}`,
      `http_requests_total{critical="true",code="200"} ${966 * n}`,
      `http_request_duration_seconds_bucket{critical="true",le="0.5"} 0`,
      `http_request_duration_seconds_bucket{critical="true",le="1"} ${n}`,
      `http_request_duration_seconds_bucket{critical="true",le="+Inf"} ${n}`,
      '',
    ].join('\n');
  });
  prometheus = await startPrometheus([metricsEndpoint.address]);
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  // rate() needs two scrapes: wait until the plan's own trigger query has a value.
  const query = seedPlan('monetization-drill', () => undefined).capture!.metrics[0].query;
  await waitFor(async () => (await metrics.query(query)).value !== undefined, 15_000);
  worker = await startWorker(testDeps({ flagStorePath: await flagFile({}) }));
});

afterAll(async () => {
  await worker?.shutdown();
  await Promise.all([health?.close(), prometheus?.stop(), metricsEndpoint?.stop()]);
  await closeClient?.();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface World {
  dir: string;
  flags: string;
  deployLog: string;
  registry: string;
}

/** The platform's folder: release tools, the image registry's listing, and agent writes on. */
async function world(): Promise<World> {
  const dir = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'monetization-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'tools'));
  const tool = (name: string, text: string) => {
    writeFileSync(join(dir, 'tools', name), text);
    chmodSync(join(dir, 'tools', name), 0o755);
  };
  tool('release_preflight.py', 'import sys\nassert sys.argv[1:] == ["--quick"], sys.argv\nprint("preflight: login, transactions, invoices ok")\n');
  // §4.2: is this image in the registry?
  tool('confirm_rollback_images.sh', '#!/bin/sh\n[ $# -eq 1 ] || exit 2\ngrep -qxF -- "$1" registry.txt || { echo "$1 is not in the registry"; exit 1; }\n');
  // The deploy tool: a restart, or a deploy of an image, each appended to the deploy log.
  tool(
    'deploy.sh',
    [
      '#!/bin/sh',
      '[ "$1" = --service ] || exit 2',
      'case "$3" in',
      '  --restart) echo "restart $2" >> deploy.log ;;',
      '  --image) echo "$2 $4 $(date +%s%3N)" >> deploy.log ;;',
      '  *) exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  const registry = join(dir, 'registry.txt');
  const images = ['auth', 'partner-registry', 'transactions', 'agent-service', 'web-portal'].map((s) => `registry.example.com/monetization/${s}:2025.10.1`);
  writeFileSync(registry, images.join('\n') + '\n');
  return { dir, flags: await flagFile({ AGENT_WRITE_ACTIONS_ENABLED: true }), deployLog: join(dir, 'deploy.log'), registry };
}

/** The shipped plan in this world: its folder, flag file, Prometheus and endpoints, and seconds for minutes. */
function monetizationPlan(w: World) {
  return seedPlan('monetization-drill', (doc) => {
    doc.adapters = {
      flags: { type: 'file', path: w.flags },
      commands: { cwd: w.dir },
      metrics: { type: 'prometheus', url: prometheus.url },
    };
    for (const check of Object.values(doc.checks ?? {})) {
      if (check.type === 'http') Object.assign(check, { url: health.url, delay: '1s', timeout: '2s' });
    }
    doc.verification = { stabilization: `${STABILIZATION_MS}ms`, settle: '0s' };
  });
}

function deploys(w: World): string[][] {
  return existsSync(w.deployLog)
    ? readFileSync(w.deployLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
    : [];
}

async function agentWrites(w: World): Promise<boolean | undefined> {
  return (await readFlagFile(w.flags)).flags.AGENT_WRITE_ACTIONS_ENABLED?.enabled;
}

function indexOf(record: IncidentRecord, event: string, detail?: string): number {
  return record.timeline.findIndex((e) => e.event === event && (detail === undefined || e.detail?.startsWith(detail)));
}

test('(a) data integrity at risk: targets confirmed, agent writes off, backend rolled back in waves, the web portal last', async () => {
  const w = await world();
  // The release's migration is known (§4.5): the app level runs only then.
  const handle = await startRun(client, worker.taskQueue, monetizationPlan(w), 'DataIntegrityRisk', { service: 'web-portal', context: { migration: 'none' } });
  const result = await handle.result();
  const record = await handle.query(recordQuery);
  await keepHistory(handle, 'monetization-drill-waves');

  expect(result.outcome).toBe('rolled-back');
  expect(result.level).toBe(3);
  expect(await agentWrites(w)).toBe(false);

  // §4.2: every target confirmed before the first step.
  const confirmed = record.timeline.find((e) => e.event === 'rollback targets confirmed');
  expect(confirmed?.detail).toContain('web-portal@web-portal-2025.10.1: ok');
  expect(Date.parse(confirmed!.at)).toBeLessThanOrEqual(Date.parse(record.steps[0].startedAt));
  // §5: the trigger metrics snapshotted before the first step and after verification.
  expect(indexOf(record, 'pre-rollback state captured')).toBeLessThan(indexOf(record, 'rollback targets confirmed'));
  expect(indexOf(record, 'post-rollback state captured')).toBeGreaterThan(indexOf(record, 'check invoice-endpoints passed'));

  // §4.3 then §4.4: agent-service redeployed alone, then backend waves, the portal last.
  const lines = deploys(w);
  expect(lines[0]).toEqual(['restart', 'agent-service']);
  const order = lines.slice(1).map((l) => l[0]);
  expect(order).toEqual(['auth', 'partner-registry', 'transactions', 'agent-service', 'web-portal']);
  expect(lines.slice(1).map((l) => l[1])).toEqual(order.map((s) => `${s}-2025.10.1`));

  // The portal only after the backend's stabilization and its checks.
  const backendDone = record.timeline.filter((e) => e.event === 'wave done');
  expect(backendDone.map((e) => e.detail?.split(';')[0])).toEqual(['auth, partner-registry', 'transactions']);
  const portal = record.steps.find((s) => s.type === 'deploy.run' && s.service === 'web-portal')!;
  const transactionsWave = Date.parse(backendDone[1].at);
  expect(Date.parse(portal.startedAt) - transactionsWave).toBeGreaterThanOrEqual(STABILIZATION_MS);
  for (const check of ['transaction-flow', 'invoice-endpoints']) {
    const at = indexOf(record, `check ${check} passed`);
    expect(at).toBeGreaterThan(indexOf(record, 'wave done', 'transactions'));
    expect(at).toBeLessThan(indexOf(record, 'step deploy.run (web-portal) done'));
  }
  const portalMs = Number(lines.at(-1)![2]);
  const transactionsMs = Number(lines.find((l) => l[0] === 'transactions')![2]);
  expect(portalMs - transactionsMs).toBeGreaterThanOrEqual(STABILIZATION_MS);

  // §4.6: quick preflight and the flows verified after the rollback.
  expect(record.checks.filter((c) => ['preflight', 'login-flow', 'transaction-flow', 'invoice-endpoints'].includes(c.check)).every((c) => c.ok)).toBe(true);
  expect(record.checks.find((c) => c.check === 'preflight')?.detail).toContain('passed');
});

test('(a) a rollback target missing from the registry: the run stops with the reason before any step', async () => {
  const w = await world();
  writeFileSync(w.registry, readFileSync(w.registry, 'utf8').replace(/^.*web-portal.*\n/m, ''));
  const handle = await startRun(client, worker.taskQueue, monetizationPlan(w), 'DataIntegrityRisk', { service: 'web-portal' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rollback-failed');
  expect(record.steps).toEqual([]);
  expect(record.timeline.find((e) => e.event === 'rollback stopped')?.detail).toBe('rollback target not available: web-portal@web-portal-2025.10.1');
  expect(record.timeline.find((e) => e.event === 'rollback targets missing')?.detail).toContain('auth@auth-2025.10.1: ok');
  expect(await agentWrites(w)).toBe(true);
  expect(deploys(w)).toEqual([]);
});

test('(b) irreversible migration: first response only, no app rollback, a person takes the forward fix', async () => {
  const w = await world();
  const handle = await startRun(client, worker.taskQueue, monetizationPlan(w), 'InvoiceOperationsBroken', {
    service: 'transactions',
    context: { migration: 'irreversible' },
  });
  const asking = await waitForApprovalRequest(handle);
  expect(asking.pendingApproval?.people).toEqual([COMMANDER, 'U0MONIC0002']);
  // By now the first response has run and the application rollback has not.
  expect(await agentWrites(w)).toBe(false);
  expect(deploys(w)).toEqual([['restart', 'agent-service']]);
  expect(events(asking)).toContain('forward fix instead of rollback');
  expect(events(asking)).toContain('approval requested: forward fix (no destructive rollback)');

  await handle.signal(approveSignal, { by: COMMANDER, reason: 'hotfix for the status transition, schema stays' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('fix-forward');
  expect(record.decisions.at(-1)).toMatchObject({ action: 'fix-forward', by: COMMANDER });
  expect(record.steps.map((s) => s.type)).toEqual(['flag.disable', 'service.restart']);
  expect(record.steps.some((s) => s.type === 'deploy.run')).toBe(false);
  expect(record.followUps.some((f) => f.startsWith('Forward fix for transactions'))).toBe(true);
  expect(deploys(w)).toEqual([['restart', 'agent-service']]);
});

test('(c) the quarterly drill in staging: a complete §5 evidence checklist', async () => {
  const w = await world();
  const plan = monetizationPlan(w);
  const drill = plan.drills.find((d) => d.name === 'quarterly')!;
  const handle = await startRun(client, worker.taskQueue, plan, 'DataIntegrityRisk', {
    service: 'web-portal',
    drill: drill.name,
    environment: drill.environment,
    context: { migration: 'reversible' },
  });
  const running = await eventually(
    () => status(handle),
    (s) => s.stage !== 'detect',
  );
  expect(events(running)[0]).toBe('stage: detect');
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  expect(record.environment).toBe('staging');
  expect(record.drill).toEqual({ name: 'quarterly', mode: 'live' });

  const evidence = drillEvidence(plan, record);
  expect(evidence.map((e) => e.id)).toEqual(['timestamps', 'trigger-snapshots', 'commands', 'validation', 'follow-ups']);
  for (const item of evidence) expect({ id: item.id, done: item.done }).toEqual({ id: item.id, done: item.collect !== 'manual' });
  const byId = Object.fromEntries(evidence.map((e) => [e.id, e.evidence.join('\n')]));
  expect(byId.timestamps).toMatch(/Started .*\nEnded /);
  // The plan's own §2 trigger queries, sampled from Prometheus before the first action and after verification.
  const capture = plan.capture!.metrics;
  for (const when of ['before', 'after'] as const) {
    const sampled = record.snapshots[when]!.metrics;
    expect(sampled.map((m) => m.query)).toEqual(capture.map((m) => m.query));
    expect(sampled[0].value).toBeCloseTo(0.034, 6); // critical-api-5xx
    expect(sampled[1].value).toBeCloseTo(0.975, 6); // p95-latency
  }
  expect(byId['trigger-snapshots']).toContain(`${capture[0].query} = 0.03`);
  expect(byId.commands).toContain('[web-portal] → exit 0');
  expect(byId.commands).toContain('web-portal → registry.example.com/monetization/web-portal:2025.10.1');
  expect(byId.validation).toContain('preflight: passed');
  expect(byId['follow-ups']).toContain('Corrective actions with owners and due dates');

  const report = buildReport(plan, record);
  expect(report.kind).toBe('drill');
  expect(report.evidence).toEqual(evidence);
  expect(renderMarkdown(report)).toContain('Drill Report');
});
