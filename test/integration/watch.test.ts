// Plan-watched triggers on the dev server, against a real Prometheus scraping a metrics
// endpoint whose value the test sets: the watcher fires once and joins through the service
// desk (one open run, even when an alert for the same trigger comes too); a metrics source it
// cannot read is an Error that pages and never rolls back; a worker killed in the middle of a
// hold window leaves a watcher that fires at the right time all the same.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createWatchActivities } from '../../src/activities/watch';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus';
import type { IncidentCommandDeps } from '../../src/cli/incidentCommands';
import { runCli } from '../../src/cli/main';
import { deliverAlert } from '../../src/incidents/start';
import { incidentOpener, startWatching, stopWatching, watchStatus } from '../../src/incidents/watch';
import { AdaptersSchema, type MetricTrigger, type Plan, TriggerSchema } from '../../src/plan/schema';
import { parsePlan } from '../../src/validation/parse';
import { deskIdFor, recordQuery, type RollbackWorkflow, watchIdFor, watchQuery, type WatchView } from '../../src/workflows/messages';
import type { watchWorkflow } from '../../src/workflows/watch';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import {
  connectClient,
  eventually,
  flagFile,
  healthEndpoint,
  keepHistory,
  SLACK_TEST_TOKEN,
  spawnWorkerProcess,
  startWorker,
  testDeps,
  uniqueName,
  type TestWorker,
} from '../support/harness';
import { startMetricsEndpoint, startPrometheus, stopAll, type PrometheusServer } from '../support/servers';
import { freePort } from '../support/servers/process';
import { deskView } from './runs';

const ONCALL = 'U0WATCHONC1';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let prometheus: PrometheusServer;
let endpoint: Awaited<ReturnType<typeof startMetricsEndpoint>>;
/** The error ratio each scrape sees, per service label. */
const ratios: Record<string, number> = {};
/** p99 latency in seconds each scrape sees, per service and shard. */
const latencies: Record<string, Record<string, number>> = {};

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  endpoint = await startMetricsEndpoint(
    () =>
      `# TYPE watch_error_ratio gauge\n${Object.entries(ratios)
        .map(([service, value]) => `watch_error_ratio{service="${service}"} ${value}`)
        .join('\n')}\n# TYPE watch_p99_seconds gauge\n${Object.entries(latencies)
        .flatMap(([service, shards]) => Object.entries(shards).map(([shard, value]) => `watch_p99_seconds{service="${service}",shard="${shard}"} ${value}`))
        .join('\n')}\n`,
  );
  prometheus = await startPrometheus([endpoint.address]);
}, 60_000);

afterAll(async () => {
  await stopAll();
  await Promise.all([endpoint?.stop(), slack?.close()]);
  await closeClient?.();
});

interface WatchedPlanOptions {
  service: string;
  flags: string;
  hold: string;
  metricsUrl?: string;
  decision?: string;
  errorAfter?: string;
}

/** A plan that watches `watch_error_ratio{service}` > 5 % for the hold window, every second; its rollback turns a flag off. */
function watchedPlanYaml(options: WatchedPlanOptions): string {
  return `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('watched')}
targets:
  services: [{ name: ${options.service} }]
watch:
  interval: 1s
  errorAfter: ${options.errorAfter ?? '1m'}
triggers:
  - name: ErrorRatioHigh
    kind: metric
    category: automated
    condition:
      metric: error_ratio
      query: max(watch_error_ratio{service="${options.service}"})
      op: ">"
      threshold: 5%
      for: ${options.hold}
decisions:
  - name: main
    triggers: [ErrorRatioHigh]
    rules:
      - when: { trigger: ErrorRatioHigh }
        outcome: ${options.decision ?? '{ action: rollback }'}
authority:
  roles:
    oncall: { title: On-call, members: [${ONCALL}] }
  decide:
    - when: { category: automated }
      roles: [oncall]
  escalation:
    - { after: 0m, roles: [oncall] }
levels:
  - level: 1
    name: feature flag
    steps:
      - { type: flag.disable, flag: new_checkout }
adapters:
  flags: { type: file, path: ${JSON.stringify(options.flags)} }
  metrics: { type: prometheus, url: ${options.metricsUrl ?? prometheus.url} }
notifications:
  slack: { channel: "#watch" }
`;
}

function watchedPlan(options: WatchedPlanOptions): Plan {
  return parsePlan(watchedPlanYaml(options), 'watched.yaml');
}

/** The plan as a file in a plans folder of its own, for the CLI. */
function watchedPlanFile(options: WatchedPlanOptions): { plan: Plan; file: string; dir: string } {
  const dir = join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('watched-plans'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'watched.yaml');
  const yaml = watchedPlanYaml(options);
  writeFileSync(file, yaml);
  return { plan: parsePlan(yaml, file), file, dir };
}

async function cli(taskQueue: string, plansDir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: IncidentCommandDeps = {
    plansDir,
    connect: async () => {
      const session = await connectClient();
      return { client: session.client, taskQueue, close: session.close };
    },
  };
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, deps);
  return { code, out, err };
}

function watcherView(plan: Plan, service: string): Promise<WatchView> {
  return client.workflow.getHandle(watchIdFor(plan.name, service, plan.targets.environment)).query(watchQuery);
}

async function flagOn(path: string): Promise<boolean | undefined> {
  return (await readFlagFile(path)).flags.new_checkout?.enabled;
}

describe('with a worker in this process', () => {
  let worker: TestWorker;
  const taskQueue = uniqueName('tq-watch');

  beforeAll(async () => {
    const deps = testDeps({ flagStorePath: join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('unused-flags')), slackUrl: slack.url });
    worker = await startWorker({ ...deps, incidents: incidentOpener(client, taskQueue) }, taskQueue);
  });

  afterAll(async () => {
    await worker?.shutdown();
  });

  test('a breach held past its window opens one run with the evaluation as evidence; an alert for the same trigger joins it; the watcher does not fire again while the breach lasts', async () => {
    const service = uniqueName('svc');
    ratios[service] = 0.01;
    const flags = await flagFile({ new_checkout: true });
    // Asking keeps the run open long enough for the alert to arrive while it is.
    const { plan, file, dir } = watchedPlanFile({
      service,
      flags,
      hold: '3s',
      decision: '{ action: ask, window: 6s, default: rollback, approvers: [oncall] }',
    });
    const target = { watchId: watchIdFor(plan.name, service, 'production') };
    const started = await cli(taskQueue, dir, 'watch', 'start', '--plan', file);
    expect(started).toMatchObject({ code: 0, out: `watching ${plan.name}/${service} (production): ${target.watchId}\n` });
    // Starting again (every watching plan of the folder) is the same watcher: its id is derived from plan, service and environment.
    expect(await startWatching(client, taskQueue, plan)).toEqual([{ ...target, service, environment: 'production' }]);
    expect((await cli(taskQueue, dir, 'watch', 'start')).code).toBe(0);

    const calm = await eventually(
      () => watcherView(plan, service),
      (v) => v.triggers[0]?.value !== undefined,
    );
    expect(calm.triggers[0]).toMatchObject({ trigger: 'ErrorRatioHigh', fired: false, value: 0.01 });
    expect(await flagOn(flags)).toBe(true);

    const breachAt = Date.now();
    ratios[service] = 0.2;
    const deskId = deskIdFor(plan.name, service, 'production');
    const desk = await eventually(
      () => deskView(client, deskId).catch(() => undefined),
      (v) => (v?.runs.length ?? 0) >= 1,
    );
    const fired = (await watcherView(plan, service)).triggers[0];
    expect(fired).toMatchObject({ fired: true, value: 0.2, incidents: [deskId] });
    // It fired from the samples' own timestamps: held for the window, from a breach that began after we made it.
    expect(fired.heldFor).toBeGreaterThanOrEqual(3000);
    expect(fired.episode!.since).toBeGreaterThanOrEqual(breachAt - 1000);

    // An Alertmanager alert for the same trigger arrives while the run is open: it joins.
    await deliverAlert(client, taskQueue, {
      plan,
      service,
      trigger: 'ErrorRatioHigh',
      environment: 'production',
      alert: {
        status: 'firing',
        receivedAt: new Date().toISOString(),
        labels: { alertname: 'ErrorRatioHigh', service },
        startsAt: new Date(breachAt).toISOString(),
        fingerprint: 'aa00000000000001',
      },
    });
    const run = client.workflow.getHandle<RollbackWorkflow>(desk!.runs[0].incidentId);
    const result = await run.result();
    expect(result.outcome).toBe('rolled-back');
    expect(result.decision).toMatchObject({ action: 'rollback', by: 'clock' });
    expect(await flagOn(flags)).toBe(false);

    // The record carries what the watcher saw: since, held for, worst value, samples.
    const record = await run.query(recordQuery);
    const watched = record.alerts!.find((a) => a.evidence);
    expect(watched?.evidence).toMatchObject({ fired: true, value: 0.2, watchId: target.watchId });
    expect(watched!.evidence!.heldFor).toBeGreaterThanOrEqual(3000);
    expect(watched!.evidence!.evidence).toMatchObject({ worst: 0.2, op: '>', limit: 0.05 });
    expect(watched!.evidence!.samples).toBeGreaterThanOrEqual(4);
    expect(record.alerts!.map((a) => a.fingerprint)).toContain('aa00000000000001');

    // The breach goes on: three more ticks, and still one run, the watcher's one delivery and the alert's.
    const ticks = (await watcherView(plan, service)).ticks;
    await eventually(
      () => watcherView(plan, service),
      (v) => v.ticks >= ticks + 3,
    );
    const after = await deskView(client, deskId);
    expect(after.runs).toHaveLength(1);
    expect(after.received).toBe(2);

    // Its status: the trigger's last value, how long it has held, when it was evaluated, the incident.
    const shown = await cli(taskQueue, dir, 'watch', 'status', '--plan', file);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`ErrorRatioHigh +value 0\\.2 +held \\d+(\\.\\d+)?s +evaluated 20\\d\\d-[^ ]+Z +FIRED → ${deskId}`));

    // Stopped, it says so and ends.
    expect(await cli(taskQueue, dir, 'watch', 'stop', '--reason', 'test done')).toMatchObject({ code: 0, out: `stopping ${target.watchId}\n` });
    const final = await client.workflow.getHandle<typeof watchWorkflow>(target.watchId).result();
    await keepHistory(client.workflow.getHandle(target.watchId), 'watch-fires-joins-and-stops');
    expect(final.timeline.at(-1)).toMatchObject({ event: 'stopped', detail: 'test done' });
    expect(await watchStatus(client, plan)).toEqual([]);
    delete ratios[service];
  });

  test('a metrics source that cannot be read is an Error: counted, the first escalation role paged after errorAfter, nothing rolled back', async () => {
    const service = uniqueName('svc');
    const flags = await flagFile({ new_checkout: true });
    const plan = watchedPlan({ service, flags, hold: '1s', errorAfter: '2s', metricsUrl: `http://127.0.0.1:${await freePort()}` });
    const [target] = await startWatching(client, taskQueue, plan);
    const paged = await eventually(
      () => slack.requests.find((r) => r.path === '/api/chat.postMessage' && String(r.body.text).includes(plan.name)),
      (r) => r !== undefined,
    );
    expect(paged!.body.channel).toBe('#watch');
    expect(String(paged!.body.text)).toContain(`<@${ONCALL}>`);
    expect(String(paged!.body.text)).toContain('ECONNREFUSED');
    const view = await watcherView(plan, service);
    expect(view.errors.count).toBeGreaterThanOrEqual(2);
    expect(Date.parse(view.errors.pagedAt!) - Date.parse(view.errors.since!)).toBeGreaterThanOrEqual(2000);
    expect(view.triggers[0]).toMatchObject({ fired: false, incidents: [] });
    expect(view.triggers[0].error).toContain('ECONNREFUSED');
    // Paged once for the outage, however long it lasts.
    await eventually(
      () => watcherView(plan, service),
      (v) => v.errors.count >= view.errors.count + 2,
    );
    expect(slack.requests.filter((r) => r.path === '/api/chat.postMessage' && String(r.body.text).includes(plan.name))).toHaveLength(1);
    // Nothing rolled back: no desk, no run, the flag still on.
    await expect(deskView(client, deskIdFor(plan.name, service, 'production'))).rejects.toThrow();
    expect(await flagOn(flags)).toBe(true);
    await stopWatching(client, plan, 'test done');
    await client.workflow.getHandle(target.watchId).result();
    await keepHistory(client.workflow.getHandle(target.watchId), 'watch-cannot-read-pages');
  });

  test("a health trigger runs the plan's check every tick: three failures in a row fire it, once; failed answers are failures, not Errors", async () => {
    const service = uniqueName('svc');
    const flags = await flagFile({ new_checkout: true });
    const health = await healthEndpoint(200);
    try {
      const plan = parsePlan(
        `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('watched-health')}
targets:
  services: [{ name: ${service} }]
watch: { interval: 1s }
triggers:
  - name: ServiceDown
    kind: health
    category: automated
    condition: { check: health, consecutiveFailures: 3 }
decisions:
  - name: main
    triggers: [ServiceDown]
    rules: [{ when: { trigger: ServiceDown }, outcome: { action: rollback } }]
authority:
  roles: { oncall: { members: [${ONCALL}] } }
  decide: [{ when: { category: automated }, system: true }]
levels:
  - { level: 1, name: feature flag, steps: [{ type: flag.disable, flag: new_checkout }] }
checks:
  health: { type: http, url: "${health.url}", timeout: 2s }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
`,
        'watched-health.yaml',
      );
      await startWatching(client, taskQueue, plan);
      const healthy = await eventually(
        () => watcherView(plan, service),
        (v) => (v.triggers[0]?.results?.length ?? 0) >= 2,
      );
      expect(healthy.triggers[0]).toMatchObject({ trigger: 'ServiceDown', kind: 'health', fired: false });
      expect(await flagOn(flags)).toBe(true);

      health.setStatus(503);
      const deskId = deskIdFor(plan.name, service, 'production');
      const desk = await eventually(
        () => deskView(client, deskId).catch(() => undefined),
        (v) => (v?.runs.length ?? 0) >= 1,
      );
      const run = client.workflow.getHandle<RollbackWorkflow>(desk!.runs[0].incidentId);
      expect((await run.result()).outcome).toBe('rolled-back');
      expect(await flagOn(flags)).toBe(false);
      const evidence = (await run.query(recordQuery)).alerts!.find((a) => a.evidence)!.evidence!;
      expect(evidence).toMatchObject({ fired: true });
      expect(evidence.reason).toMatch(/^health failed 3 times in a row/);
      const view = await watcherView(plan, service);
      // A check that answered 503 failed; nothing was an Error.
      expect(view.errors.count).toBe(0);
      expect(view.triggers[0].results!.slice(-3).every((r) => !r.ok)).toBe(true);
      // Still failing three more ticks on: the same episode, no second run.
      await eventually(
        () => watcherView(plan, service),
        (v) => v.ticks >= view.ticks + 3,
      );
      expect((await deskView(client, deskId)).received).toBe(1);
      await stopWatching(client, plan, 'test done');
    } finally {
      await health.close();
    }
  });
});

test('a worker killed in the middle of a hold window: the next worker fires at the right time, from the same breach', async () => {
  const taskQueue = uniqueName('tq-watch-crash');
  const world = join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('watch-crash'));
  mkdirSync(world, { recursive: true });
  const service = uniqueName('svc');
  ratios[service] = 0.01;
  const flags = await flagFile({ new_checkout: true });
  const hold = 12_000;
  const plan = watchedPlan({ service, flags, hold: '12s' });
  const env = { TEMPORAL_TASK_QUEUE: taskQueue, FLAG_STORE_PATH: flags, STATE_DIR: join(world, 'state') };
  const workers: ChildProcess[] = [];
  try {
    workers.push(spawnWorkerProcess(env));
    await startWatching(client, taskQueue, plan);
    await eventually(
      () => watcherView(plan, service),
      (v) => v.triggers[0]?.value === 0.01,
      60_000,
    );
    ratios[service] = 0.2;
    // Mid-hold: the watcher has seen the breach hold for a while, not yet for its window.
    const mid = await eventually(
      () => watcherView(plan, service),
      (v) => (v.triggers[0]?.heldFor ?? 0) >= 3000,
    );
    expect(mid.triggers[0].fired).toBe(false);
    const since = Date.parse(mid.triggers[0].since!);
    const gone = new Promise((done) => workers[0].once('exit', done));
    workers[0].kill('SIGKILL');
    await gone;
    workers.push(spawnWorkerProcess(env));

    const deskId = deskIdFor(plan.name, service, 'production');
    const desk = await eventually(
      () => deskView(client, deskId).catch(() => undefined),
      (v) => (v?.runs.length ?? 0) >= 1,
      60_000,
    );
    const run = client.workflow.getHandle<RollbackWorkflow>(desk!.runs[0].incidentId);
    const result = await run.result();
    expect(result.outcome).toBe('rolled-back');
    expect(await flagOn(flags)).toBe(false);
    const evidence = (await run.query(recordQuery)).alerts!.find((a) => a.evidence)!.evidence!;
    // The same breach the first worker saw: its start (to a step: each tick's range has its own grid), not the new worker's first tick.
    expect(Math.abs(evidence.since! - since)).toBeLessThan(1000);
    expect(evidence.heldFor).toBeGreaterThanOrEqual(hold);
    // Fired once the window was complete, not before; and not long after (a tick plus the new worker taking over).
    const firedAt = Date.parse(desk!.runs[0].openedAt);
    expect(firedAt).toBeGreaterThanOrEqual(since + hold);
    expect(firedAt - (since + hold)).toBeLessThan(15_000);
    expect(desk!.runs).toHaveLength(1);
    await stopWatching(client, plan, 'test done');
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    delete ratios[service];
  }
});

test('a baseline-relative trigger per shard, read back from Prometheus: the baseline is the window before the hold, and only the shard that held +15 % for its window fires', async () => {
  const service = uniqueName('svc');
  latencies[service] = { a: 0.2, b: 0.2 };
  const activities = createWatchActivities({ metricsFor: () => new PrometheusMetrics({ url: prometheus.url }) });
  const trigger = TriggerSchema.parse({
    name: 'P99Regression',
    kind: 'metric',
    condition: {
      metric: 'p99_latency',
      query: `max by (shard) (watch_p99_seconds{service="${service}"})`,
      sampleUnit: 's',
      baseline: { relative: '+15%', window: '4s' },
      for: '3s',
      per: 'shard',
    },
  }) as MetricTrigger;
  const read = async () => (await activities.evaluateWatchedTriggers({ adapters: AdaptersSchema.parse({}), triggers: [trigger], intervalMs: 1000 }))[0];
  // Six seconds at the baseline, then shard a 50 % slower and shard b 10 % slower.
  await new Promise((r) => setTimeout(r, 6000));
  latencies[service] = { a: 0.3, b: 0.22 };
  const held = await eventually(read, (r) => r.evaluation?.fired === true, 30_000);
  expect(held.error).toBeUndefined();
  expect(held.evaluation).toMatchObject({ fired: true, value: 300, evidence: { series: 'a', op: '>', worst: 300 } });
  // The baseline is read from the window before the hold: 200 ms (a read that comes late on a busy machine may see a first slow sample in it).
  const { baseline, limit } = held.evaluation!.evidence!;
  expect(baseline).toBeGreaterThanOrEqual(200);
  expect(baseline).toBeLessThan(215);
  expect(limit).toBeCloseTo(baseline! * 1.15, 6);
  expect(held.evaluation!.heldFor).toBeGreaterThanOrEqual(3000);
  delete latencies[service];
});
