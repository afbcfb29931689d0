// Seed 002's error-rate row, watched by the plan itself, through the real chain: the demo
// service in its stable (control) and bad (treatment) versions behind a real nginx, a real
// Prometheus scraping both every second, and a load generator. The bad version takes traffic,
// its error rate holds past the window, the watcher fires, the run decides by the plan's
// canary matrix (automated rollback), and nginx sends everything back to stable — which the
// load generator's later requests see. The plan is plans/lens-sprint1-canary.yaml with only
// its world patched: the watch section with this Prometheus, nginx as the traffic adapter,
// local stand-ins for the seed's shell commands, the checks to a smoke test through nginx
// (the demo has none of the seed's recording rules), and minutes to seconds.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../../src/adapters/fileFlagStore';
import { incidentOpener, startWatching, stopWatching } from '../../../src/incidents/watch';
import type { Plan } from '../../../src/plan/schema';
import { buildReport } from '../../../src/report';
import { deskIdFor, recordQuery, type RollbackWorkflow, watchIdFor, watchQuery } from '../../../src/workflows/messages';
import { answersAfter, generateLoad, startDemoWorld, type DemoWorld } from '../../support/demoWorld';
import { connectClient, eventually, flagFile, startWorker, testDeps, uniqueName, type TestWorker } from '../../support/harness';
import { deskView } from '../runs';
import { seedPlan } from './seedPlan';

const SERVICE = 'lens-search';
const HOLD_MS = 5000;

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let demo: DemoWorld;
const taskQueue = uniqueName('tq-lens-watched');

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  // The seed's metric names (lens_requests_total, lens_requests_errors_total); the bad version fails half its requests.
  demo = await startDemoWorld({ service: SERVICE, pools: { stable: 'control', bad: 'treatment' }, metricPrefix: 'lens', errorRate: 0.5 });
  const deps = testDeps({ flagStorePath: join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('unused-flags')) });
  worker = await startWorker({ ...deps, incidents: incidentOpener(client, taskQueue) }, taskQueue);
}, 60_000);

afterAll(async () => {
  await worker?.shutdown();
  await demo?.stop();
  await closeClient?.();
});

async function watchedSeed(): Promise<{ plan: Plan; flags: string }> {
  const dir = join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('lens-watched'));
  mkdirSync(dir, { recursive: true });
  const flags = await flagFile({ hedging: true, ta_nra_optimization: true });
  const plan = seedPlan('lens-sprint1-canary', (doc) => {
    // "sustained for 2+ minutes", in seconds.
    const errorRate = doc.triggers?.find((t) => t.name === 'ErrorRateCritical');
    if (errorRate?.kind !== 'metric') throw new Error('the seed has no metric trigger ErrorRateCritical');
    errorRate.condition.for = `${HOLD_MS / 1000}s`;
    doc.watch = { interval: '1s', triggers: ['ErrorRateCritical'] };
    for (const step of doc.levels[0].steps) {
      // nginx and the flag store act through their adapters; the rest are local stand-ins.
      if (['traffic.shift', 'flag.disable'].includes(step.type)) delete step.command;
      if (step.type === 'service.stop') step.command = 'echo stopped > hedging-service.state';
      // (command.run's type says its command is always the seed's: assigned, not set.)
      if (step.type === 'command.run') Object.assign(step, { command: 'echo early_stop=disabled > ta-nra.conf' });
      if (step.type === 'cache.flush') step.command = 'echo flushed > configuration-cache.state';
    }
    doc.checks = { ...doc.checks, smoke: { type: 'command', command: `test "$(curl -sf ${demo.nginx.url}/)" = stable`, timeout: '10s' } };
    doc.levels[0].checks = ['smoke'];
    doc.monitoring = { ...doc.monitoring, cycles: 1, interval: '1s', checks: ['smoke'] };
    doc.adapters = {
      flags: { type: 'file', path: flags },
      commands: { cwd: dir },
      traffic: demo.traffic,
      metrics: { type: 'prometheus', url: demo.prometheus.url },
    };
  });
  return { plan, flags };
}

test('(a) the bad version takes traffic, its error rate holds past the window, the watcher fires, the plan rolls back, and nginx sends every later request to stable', async () => {
  const { plan, flags } = await watchedSeed();
  const load = generateLoad(demo.nginx.url, 20, 60);
  try {
    await startWatching(client, taskQueue, plan);
    // Watching, and quiet: everything on stable, no errors.
    await eventually(
      () => client.workflow.getHandle(watchIdFor(plan.name, SERVICE, 'production')).query(watchQuery),
      (v) => v.triggers[0]?.value === 0,
    );
    // The canary: half the traffic to the bad version.
    const canaryAt = Date.now();
    await demo.router.shift(SERVICE, 'treatment', 50);

    const deskId = deskIdFor(plan.name, SERVICE, 'production');
    const desk = await eventually(
      () => deskView(client, deskId).catch(() => undefined),
      (v) => (v?.runs.length ?? 0) >= 1,
      60_000,
    );
    const run = client.workflow.getHandle<RollbackWorkflow>(desk!.runs[0].incidentId);
    const result = await run.result();
    const record = await run.query(recordQuery);

    // The plan decided: seed 002's canary matrix rolls back the error-rate row without asking.
    expect(result.trigger).toBe('ErrorRateCritical');
    expect(result.decision).toMatchObject({ action: 'rollback', by: 'plan' });
    expect(result.outcome).toBe('rolled-back');
    // The evidence: the error rate held for the window, well above 0.5 %.
    const evidence = record.alerts!.find((a) => a.evidence)!.evidence!;
    expect(evidence.heldFor).toBeGreaterThanOrEqual(HOLD_MS);
    expect(evidence.since).toBeGreaterThanOrEqual(canaryAt - 1000);
    expect(evidence.evidence!.limit).toBe(0.005);
    expect(evidence.value).toBeGreaterThan(0.05);

    // And the report: what the watching saw, and detection timed from the breach's first sample.
    const report = buildReport(plan, record);
    expect(report.summary).toContain("Seen by the plan's watching: error_rate > 0.005 for");
    expect(report.metrics.find((m) => m.id === 'time-to-detection')).toMatchObject({
      toFill: false,
      basis: 'breach began (first breaching sample) → detected',
    });
    expect(report.metrics.find((m) => m.id === 'time-to-detection')!.ms).toBeGreaterThanOrEqual(HOLD_MS);

    // The real systems: the shift went through nginx; every request sent after it was answered by stable.
    const shift = record.steps.find((s) => s.type === 'traffic.shift')!;
    expect(shift.ok).toBe(true);
    await expect(demo.router.weights(SERVICE)).resolves.toEqual({ control: 100, treatment: 0 });
    await new Promise((r) => setTimeout(r, 3000));
    const answers = await load.stop();
    const shiftedAt = Date.parse(shift.endedAt);
    const during = answersAfter(
      answers.filter((a) => a.sentAt < shiftedAt),
      canaryAt,
    );
    expect(during['bad 500']).toBeGreaterThan(0);
    const later = answersAfter(answers, shiftedAt);
    expect(Object.keys(later)).toEqual(['stable 200']);
    expect(later['stable 200']).toBeGreaterThanOrEqual(20);
    // The other steps of level 1 ran too (the flags through the flag store).
    const flagState = await readFlagFile(flags);
    expect(flagState.flags.hedging?.enabled).toBe(false);
    expect(flagState.flags.ta_nra_optimization?.enabled).toBe(false);
    // One run, however long the breach went on.
    expect((await deskView(client, deskId)).runs).toHaveLength(1);
  } finally {
    await load.stop();
    await stopWatching(client, plan, 'test done');
  }
});
