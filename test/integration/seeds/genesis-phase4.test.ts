// Seed 004 (Genesis Phase 4) end to end on the dev server. The runbook's world is built
// here: a git checkout of the deployment (phase 3, then the phase 4 commit), the latest
// backup beside it, and a stand-in Genesis service (health, smoke, SLO, the feature-flag
// API and /metrics) scraped by a real Prometheus. The plan is plans/genesis-phase4.yaml;
// only paths, URLs, docker-compose/pytest lines and minutes are patched.
import { expect } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import type { Plan } from '../../../src/plan/schema';
import { alertSignal, decideUpdate, recordQuery, type IncidentRecord } from '../../../src/workflows/messages';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../support/contracts/pagerdutyServer';
import { startSlackStandIn, type SlackStandIn } from '../../support/contracts/slackServer';
import { createRepo, type TestRepo } from '../../support/gitRepo';
import { connectClient, eventually, flagFile, keepHistory, SLACK_TEST_TOKEN, startWorker, testDeps, type TestWorker } from '../../support/harness';
import { startMetricsEndpoint, startPrometheus, stopAll, waitFor, type PrometheusServer } from '../../support/servers';
import { events, expectMilestonesInOrder, status } from '../runs';
import { type PlanDocument, seedCheck, seedPlan } from './seedPlan';
import { at, startSeedRun } from './seedRuns';

const SERVICE = 'genesis-orchestration';
const TECH_LEAD = 'U0GENTECHLD';
const ONCALL = 'U0GENONCALL';
const ROUTING_KEY = 'GENESIS0ROUTING0KEY0123456789ABC'; // 32 characters
const CHANNEL = '#genesis-incidents';

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let slack: SlackStandIn;
let pagerduty: PagerDutyStandIn;
let prometheus: PrometheusServer;
let nodeExporter: Awaited<ReturnType<typeof startMetricsEndpoint>>;
let service: Server;
let serviceUrl: string;
/** The deployment the stand-in service serves from; each test sets its own. */
let current: World | undefined;
/** phase_4_deployment rollout %, as the seed's feature-flag API sets it. */
let phase4Rollout = 100;
let scrapes = 0;
const cleanup: string[] = [];

interface World {
  repo: TestRepo;
  /** Where the backups live (the seed's /home/genesis). */
  home: string;
  phase3: string;
  phase4: string;
  plan: Plan;
}

function read(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** Healthy while the service runs and its data marker is good (no git checkout fixes the marker; the backup does). */
function healthy(): boolean {
  if (!current) return false;
  return read(join(current.repo.dir, 'state/service')) === 'running' && read(join(current.repo.dir, 'state/marker')) === 'good';
}

function genesisMetrics(): string {
  scrapes++;
  return `# TYPE phase_4_traffic_percentage gauge
phase_4_traffic_percentage ${phase4Rollout}
genesis_test_pass_rate 0.99
# TYPE genesis_requests_total counter
genesis_requests_total ${1000 + scrapes * 100}
# TYPE genesis_requests_errors_total counter
genesis_requests_errors_total 0
# TYPE genesis_request_duration_seconds histogram
genesis_request_duration_seconds_bucket{le="0.1"} ${1000 + scrapes * 100}
genesis_request_duration_seconds_bucket{le="0.5"} ${1000 + scrapes * 100}
genesis_request_duration_seconds_bucket{le="+Inf"} ${1000 + scrapes * 100}
genesis_request_duration_seconds_count ${1000 + scrapes * 100}
genesis_request_duration_seconds_sum ${(1000 + scrapes * 100) * 0.05}
`;
}

/** The Genesis service as the runbook talks to it on localhost:8000. */
async function startGenesisService(): Promise<void> {
  service = createServer((req, res) => {
    const reply = (code: number, body: string, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (req.method === 'POST' && req.url === '/api/feature-flags/phase_4_deployment') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const flag = JSON.parse(body) as { enabled: boolean; rollout_percentage: number };
        phase4Rollout = flag.enabled ? flag.rollout_percentage : 0;
        reply(200, JSON.stringify({ phase_4_deployment: flag }));
      });
      return;
    }
    if (req.url === '/metrics') return reply(200, genesisMetrics(), 'text/plain; version=0.0.4');
    if (req.url === '/health' || req.url === '/slo') return reply(healthy() ? 200 : 503, JSON.stringify({ status: healthy() ? 'ok' : 'failing' }));
    // Smoke tests pass on the phase 3 code only.
    if (req.url === '/smoke') return reply(healthy() && read(join(current!.repo.dir, 'app/version')) === 'phase-3' ? 200 : 500, '{}');
    reply(404, '{}');
  });
  await new Promise<void>((done) => service.listen(0, '127.0.0.1', done));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
}

/** A deployment at phase 4 (its marker `broken` or `good`) with the phase 3 backup beside it, and the plan pointed at it. */
function world(marker: 'broken' | 'good', patch: (doc: PlanDocument) => void = () => {}): World {
  const repo = createRepo();
  const home = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'genesis-home-'));
  cleanup.push(repo.dir, home);
  writeFileSync(join(repo.dir, '.gitignore'), 'state/\nlogs/\nincidents/\n');
  const phase3 = repo.commit('phase 3 stable', { 'app/version': 'phase-3\n', 'requirements_infrastructure.txt': 'fastapi==0.110\n' });
  const phase4 = repo.commit('phase 4 deployment', { 'app/version': 'phase-4\n', 'app/phase4.py': 'ENABLED = True\n' });
  repo.write('state/marker', `${marker}\n`);
  repo.write('state/service', 'running\n');
  repo.write('logs/infrastructure.log', '2025-10-18T10:00:00Z INFO phase 4 live\n2025-10-18T10:05:00Z ERROR orchestration failed\n');
  // The most recent backup: the phase 3 tree with good data.
  const backup = join(home, 'genesis-rebuild-backup-latest');
  mkdirSync(join(backup, 'app'), { recursive: true });
  mkdirSync(join(backup, 'state'), { recursive: true });
  mkdirSync(join(backup, 'logs'), { recursive: true });
  writeFileSync(join(backup, 'app/version'), 'phase-3\n');
  writeFileSync(join(backup, 'state/marker'), 'good\n');
  writeFileSync(join(backup, 'logs/infrastructure.log'), 'old backup log: must not be restored\n');
  phase4Rollout = 100;

  const plan = seedPlan('genesis-phase4', (doc) => {
    doc.targets.confirm!.command = doc.targets.confirm!.command.replace('/home/genesis', home);
    // §1.3 capture script: the seed's own lines, in the deployment checkout.
    const capture = 'mkdir -p incidents && git log -1 --format="%H %s" > incidents/current_commit.txt && git diff HEAD~1 > incidents/deployment_diff.txt';
    for (const rule of doc.decisions.flatMap((t) => t.rules)) {
      for (const step of rule.outcome.steps ?? []) if (step.command === 'scripts/capture_pre_rollback_state.sh') step.command = capture;
      if (rule.outcome.action === 'ask') rule.outcome.window = '30s';
    }
    for (const level of doc.levels) {
      for (const step of level.steps) {
        if (step.command === 'docker-compose down') step.command = 'echo stopped > state/service';
        if (step.command === 'docker-compose up -d') step.command = 'echo running > state/service';
        if (step.type === 'flag.disable') step.command = step.command!.replace('http://localhost:8000', serviceUrl);
        if (step.type === 'wait') step.duration = '200ms';
        if (step.type === 'traffic.drain') {
          // No load balancer in this world to count in-flight requests.
          step.wait = '300ms';
          delete step.maxActive;
          delete step.extraWait;
        }
        // §2.3 Option B with tar (rsync is not installed here), same exclusions.
        if (level.id === 'backup' && step.command?.startsWith('BACKUP_DIR=')) {
          step.command =
            `BACKUP_DIR=$(ls -dt ${home}/genesis-rebuild-backup-* | head -1) && test -n "$BACKUP_DIR" && ` +
            `tar -C "$BACKUP_DIR" --exclude=./logs --exclude=./monitoring/metrics_snapshot.json -cf - . | tar -C ${repo.dir} -xf -`;
        }
      }
    }
    for (const name of ['service-health', 'service-health-once']) seedCheck(doc, name, 'http').url = `${serviceUrl}/health`;
    Object.assign(seedCheck(doc, 'service-health', 'http'), { attempts: 2, delay: '300ms', timeout: '2s' });
    seedCheck(doc, 'smoke', 'command').command = `curl -sf ${serviceUrl}/smoke`;
    seedCheck(doc, 'slo-validation', 'command').command = `curl -sf ${serviceUrl}/slo`;
    seedCheck(doc, 'continuous-monitoring', 'command').command = `curl -sf ${serviceUrl}/health`;
    doc.verification = { settle: '1500ms', recheckAfter: '1s', rechecks: 1 };
    // The seed's per-check waits (§2.4 10s for metrics, §2.5 SLO re-check after 60s), in this world's seconds.
    seedCheck(doc, 'prometheus-targets', 'metric').settle = '300ms';
    seedCheck(doc, 'slo-validation', 'command').recheckAfter = '1s';
    doc.monitoring = { ...doc.monitoring, cycles: 1, interval: '1s' };
    doc.adapters = {
      ...doc.adapters,
      commands: { ...doc.adapters?.commands, cwd: repo.dir },
      git: { ...doc.adapters?.git, repo: repo.dir },
      metrics: { type: 'prometheus', url: prometheus.url },
    };
    patch(doc);
  });
  current = { repo, home, phase3, phase4, plan };
  return current;
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  pagerduty = await startPagerDutyStandIn();
  await startGenesisService();
  nodeExporter = await startMetricsEndpoint(() => 'node_load1 0.2\n');
  prometheus = await startPrometheus([serviceUrl.replace('http://', ''), nodeExporter.address]);
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  await waitFor(
    async () => (await metrics.query('count(up == 1)')).value === 2 && (await metrics.query('sum(rate(genesis_requests_total[5m]))')).value !== undefined,
    20_000,
  );
  worker = await startWorker(
    testDeps({
      flagStorePath: await flagFile({}),
      slackUrl: slack.url,
      pagerdutyUrl: pagerduty.url,
      secrets: { PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
    }),
  );
}, 60_000);

afterAll(async () => {
  await worker?.shutdown();
  await stopAll();
  await Promise.all([nodeExporter?.stop(), slack?.close(), pagerduty?.close()]);
  if (service) {
    service.closeAllConnections();
    await new Promise<void>((done) => service.close(() => done()));
  }
  await closeClient?.();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

function record(handle: WorkflowHandle): Promise<IncidentRecord> {
  return handle.query(recordQuery);
}

function slackTexts(incidentId: string): string[] {
  return slack.requests
    .filter((r) => r.path === '/api/chat.postMessage' && !r.scriptedFailure && r.body.channel === CHANNEL)
    .map((r) => (typeof r.body.text === 'string' ? r.body.text : ''))
    .filter((t) => t.includes(incidentId) || t.includes('ROLLBACK'));
}

test('error rate 4.2 %: flag and git rollbacks do not restore service, the backup restore does; verified within the 15-minute SLA', async () => {
  const w = world('broken');
  expect(w.repo.head()).toBe(w.phase4);
  const handle = await startSeedRun(client, worker.taskQueue, w.plan, { service: SERVICE, trigger: 'ErrorRate', value: '4.2%', context: { value: 0.042 } });
  const result = await handle.result();
  await keepHistory(handle, 'genesis-phase4-escalate-to-backup');

  expect(result.outcome).toBe('rolled-back');
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'plan' });

  // The real world: the checkout went back one commit, the backup brought the good data, logs were left alone, the service runs.
  expect(w.repo.head()).toBe(w.phase3);
  expect(read(join(w.repo.dir, 'app/version'))).toBe('phase-3');
  expect(read(join(w.repo.dir, 'state/marker'))).toBe('good');
  expect(read(join(w.repo.dir, 'state/service'))).toBe('running');
  expect(read(join(w.repo.dir, 'logs/infrastructure.log'))).toContain('phase 4 live');
  expect(phase4Rollout).toBe(0);
  // §1.3: the capture script ran first, in the checkout, on the phase 4 commit.
  expect(read(join(w.repo.dir, 'incidents/current_commit.txt'))).toBe(`${w.phase4} phase 4 deployment`);

  const rec = await record(handle);
  // Levels in the seed's order: flag (§5.1) → git (§5.2) → backup (§5.3).
  const levelsRun = [...new Set(rec.steps.map((s) => s.levelId))];
  expect(levelsRun).toEqual(['flag', 'git', 'backup']);
  expect(rec.steps.filter((s) => !s.ok).map((s) => s.type)).toEqual([]);
  const escalations = rec.timeline.filter((e) => e.event === 'escalating deeper').map((e) => e.detail);
  expect(escalations).toEqual([
    expect.stringMatching(/^level flag did not restore service → git/),
    expect.stringMatching(/^level git did not restore service → backup/),
  ]);
  const tl = rec.timeline;
  expect(at(tl, 'level flag:')).toBeLessThan(at(tl, 'level git:'));
  expect(at(tl, 'level git:')).toBeLessThan(at(tl, 'level backup:'));
  // Health failed (with its re-check) until the backup; then every check of §2.4/§2.5 passed.
  const health = rec.checks.filter((c) => c.check === 'service-health');
  expect(health.map((c) => c.ok)).toEqual([false, false, false, false, true]);
  expect(health[0].attempts.map((a) => a.status)).toEqual([503, 503]);
  const lastHealth = rec.checks.map((c) => c.check).lastIndexOf('service-health');
  const lastRound = rec.checks.slice(lastHealth, lastHealth + 4);
  expect(lastRound.map((c) => [c.check, c.verdict])).toEqual([
    ['service-health', 'passed'],
    ['smoke', 'passed'],
    ['prometheus-targets', 'passed'],
    ['slo-validation', 'passed'],
  ]);

  // Pre-rollback state: the deployed commit, Prometheus samples, the log tail; and again after.
  expect(rec.snapshots.before?.commit).toEqual({ commit: w.phase4, subject: 'phase 4 deployment' });
  expect(rec.snapshots.before?.metrics.find((m) => m.query === 'up')?.value).toBe(1);
  expect(rec.snapshots.before?.logs).toContain('ERROR orchestration failed');
  expect(rec.snapshots.after?.commit?.commit).toBe(w.phase3);
  expect(events(rec)).toEqual(expect.arrayContaining(['pre-rollback state captured', 'rollback targets confirmed', 'post-rollback state captured']));

  // Milestones and the scorecard: every stage target of §2 and the 15-minute SLA met.
  expectMilestonesInOrder(rec.milestones, ['detected', 'decided', 'announced', 'drained', 'rolled-back', 'verified', 'validated', 'monitored', 'reported']);
  expect(Date.parse(rec.milestones['rolled-back']!)).toBeLessThan(Date.parse(rec.milestones.verified!));
  expect(rec.scorecard.sla).toMatchObject({ from: 'decided', to: 'validated', within: 900_000, met: true });
  expect(rec.scorecard.targets.map((t) => [t.name, t.met])).toEqual([
    ['announcement', true],
    ['traffic-drain', true],
    ['service-rollback', true],
    ['service-verification', true],
    ['slo-validation', true],
    ['incident-report', true],
  ]);
  expect(rec.scorecard.met).toBe(true);
  const stages = rec.stages.map((s) => s.stage);
  expect(stages.filter((s) => s === 'verify').length).toBe(3);
  expect(stages.indexOf('validate-slos')).toBeGreaterThan(stages.lastIndexOf('roll-back'));

  // §2.1 announcement and §4.1 success notification in Slack; PagerDuty triggered and resolved.
  const texts = slackTexts(handle.workflowId);
  expect(texts.some((t) => t.startsWith(':rotating_light: ROLLBACK INITIATED') && t.includes('SLA: 15m'))).toBe(true);
  const completed = texts.find((t) => t.startsWith(':white_check_mark: ROLLBACK COMPLETED'));
  expect(completed).toMatch(/Duration: \d+s \(SLA: 15m\) — Status: verified, SLOs validated — Metrics: .*pass_rate=0\.99.* — Version: /);
  expect(completed).toContain(`Version: ${w.phase3.slice(0, 7)}`);
  expect(completed).not.toContain('{{');
  expect(pagerduty.incidents.get(handle.workflowId)).toMatchObject({ status: 'resolved' });
});

test('security vulnerability: the Tech Lead is asked; the on-call may not approve (refused); the Tech Lead approves and the flag rollback runs', async () => {
  const w = world('good');
  const handle = await startSeedRun(client, worker.taskQueue, w.plan, { service: SERVICE, trigger: 'SecurityVulnerability' });
  const waiting = await eventually(
    () => status(handle),
    (s) => s.pendingApproval !== undefined,
  );
  expect(waiting.pendingApproval).toMatchObject({ roles: ['tech-lead'], people: [TECH_LEAD], default: 'hold' });

  const refused = await handle.executeUpdate(decideUpdate, { args: [{ verdict: 'approve', by: ONCALL, reason: 'CVE is public' }] });
  expect(refused).toMatchObject({ accepted: false, refusal: 'not-an-approver' });
  expect((await status(handle)).stage).toBe('decide');
  expect(phase4Rollout).toBe(100);

  const accepted = await handle.executeUpdate(decideUpdate, { args: [{ verdict: 'approve', by: TECH_LEAD, reason: 'no quick fix within 10 minutes' }] });
  expect(accepted).toEqual({ accepted: true });
  const result = await handle.result();

  expect(result.outcome).toBe('rolled-back');
  expect(result.decision).toMatchObject({ action: 'rollback', by: TECH_LEAD, reason: 'no quick fix within 10 minutes' });
  expect(result.level).toBe(1);
  expect(phase4Rollout).toBe(0);
  // Only the flag level was needed: the code was not touched.
  expect(w.repo.head()).toBe(w.phase4);
  expect(result.timeline).toEqual(
    expect.arrayContaining([expect.objectContaining({ event: 'approve refused', detail: expect.stringContaining(`${ONCALL}: not an approver`) })]),
  );
  expect(at(result.timeline, 'approve refused')).toBeLessThan(at(result.timeline, `approve by ${TECH_LEAD}`));
  const rec = await record(handle);
  expect(rec.decisions[0]).toMatchObject({ by: TECH_LEAD });
  expect(rec.scorecard.sla?.met).toBe(true);
  // A person decided: the page was acknowledged, then resolved.
  expect(pagerduty.incidents.get(handle.workflowId)?.actions).toEqual(expect.arrayContaining(['trigger', 'acknowledge', 'resolve']));
});

test('monitoring after the flag rollback sees a new alert: the incident re-opens and the rollback goes a level deeper (git)', async () => {
  const w = world('good', (doc) => {
    doc.monitoring = { ...doc.monitoring, cycles: 2, interval: '2s' };
  });
  const handle = await startSeedRun(client, worker.taskQueue, w.plan, { service: SERVICE, trigger: 'ErrorRate', value: '1.5%', context: { value: 0.015 } });
  await eventually(
    () => status(handle),
    (s) => s.stage === 'monitor',
    30_000,
  );
  expect(w.repo.head()).toBe(w.phase4);
  await handle.signal(alertSignal, {
    status: 'firing',
    receivedAt: new Date().toISOString(),
    labels: { alertname: 'ErrorRate', service: SERVICE },
    value: '2.3%',
  });
  const result = await handle.result();

  expect(result.outcome).toBe('rolled-back');
  expect(w.repo.head()).toBe(w.phase3);
  const rec = await record(handle);
  expect([...new Set(rec.steps.map((s) => s.levelId))]).toEqual(['flag', 'git']);
  const tl = rec.timeline;
  expect(at(tl, 'monitoring re-opened the incident')).toBeGreaterThan(at(tl, 'level flag:'));
  expect(tl[at(tl, 'monitoring re-opened the incident')].detail).toBe('new alert ErrorRate');
  expect(at(tl, 'level git:')).toBeGreaterThan(at(tl, 'monitoring re-opened the incident'));
  expect(rec.decisions.filter((d) => d.action === 'rollback').map((d) => d.by)).toEqual(['plan', 'plan']);
  expect(rec.stages.filter((s) => s.stage === 'monitor').length).toBe(2);
  // The §1.3 capture ran again for the second rollback (its own idempotency key, not a replay of the first).
  const captures = rec.steps.filter((s) => s.name === '§1.3 capture pre-rollback state');
  expect(captures.map((s) => s.details?.replayed ?? false)).toEqual([false, false]);
  // Monitored only after the second rollback's verification: the first monitoring was re-opened.
  expectMilestonesInOrder(rec.milestones, ['rolled-back', 'verified', 'monitored', 'reported']);
  expect(Date.parse(rec.milestones.monitored!)).toBeGreaterThan(Date.parse(tl[at(tl, 'level git:')].at));
});
