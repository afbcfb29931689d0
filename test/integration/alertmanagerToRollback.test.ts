// Seed 002's error-rate row through Prometheus and Alertmanager, on real parts: the demo
// service's bad version takes half the traffic behind a real nginx → its error rate holds
// past the hold window in a real Prometheus evaluating the rules `rollback plan rules` wrote
// (1 s scrape and evaluation) → a real Alertmanager (1 s group_wait) posts to our API with
// its bearer token → the run decides by the plan → nginx sends all traffic to stable, which
// the load generator's later requests see. Only the world is patched (test/support/alertChain.ts).
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { buildApp } from '../../src/api/app';
import type { MetricTrigger } from '../../src/plan/schema';
import { deskIdFor, recordQuery } from '../../src/workflows/messages';
import { ALERTS_ONLY, testCredentials } from '../support/apiCredentials';
import { LENS_SERVICE, LENS_TRIGGER, lensPlan, startAlertChain, windowCompletedAt, type AlertChain } from '../support/alertChain';
import { answersAfter, generateLoad } from '../support/demoWorld';
import { connectClient, flagFile, startWorker, testDeps, uniqueName, type TestWorker } from '../support/harness';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { nthRun } from './runs';

const HOLD_WINDOW = '10s';
const POOLS = { stable: 'control', bad: 'treatment' };

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let api: FastifyInstance;
let chain: AlertChain | undefined;

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  worker = await startWorker(testDeps({ flagStorePath: join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('unused-flags')) }));
}, 60_000);

afterAll(async () => {
  await chain?.stop();
  await api?.close();
  await worker?.shutdown();
  await closeClient?.();
});

test('a breach held past the window fires the generated rule; Alertmanager posts it to the API; the plan rolls back and traffic is back on stable', async () => {
  const name = uniqueName('lens-am');
  const plans = new Map();
  const tokens = testCredentials({ alertmanager: ALERTS_ONLY });
  api = buildApp({ client, plans, credentials: tokens.credentials, taskQueue: worker.taskQueue, now: Date.now });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;

  chain = await startAlertChain({
    plan: lensPlan(name, HOLD_WINDOW),
    service: LENS_SERVICE,
    apiUrl,
    token: tokens.token('alertmanager'),
    world: { service: LENS_SERVICE, pools: POOLS, metricPrefix: 'lens', errorRate: 0.5 },
  });
  const { world } = chain;
  const dir = join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('lens-am-world'));
  mkdirSync(dir, { recursive: true });
  const plan = lensPlan(name, HOLD_WINDOW, {
    nginxUrl: world.nginx.url,
    traffic: world.traffic,
    flags: await flagFile({ hedging: true, ta_nra_optimization: true }),
    dir,
  });
  plans.set(plan.name, plan);

  // Load throughout; then the bad version takes half of it.
  const load = generateLoad(world.nginx.url, 20, 90);
  const badFrom = Date.now();
  await world.router.shift(LENS_SERVICE, POOLS.bad, 50);

  const handle = await nthRun(client, deskIdFor(plan.name, LENS_SERVICE, plan.targets.environment), 1, 90_000);
  const result = await handle.result();
  const record = await handle.query(recordQuery);
  const answers = await load.stop();

  // The plan decided (automated row "Error rate > 0.5 %"), on the alert Prometheus fired.
  expect(result.outcome).toBe('rolled-back');
  expect(result.trigger).toBe(LENS_TRIGGER);
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'plan' });
  expect(record.alerts).toEqual([expect.objectContaining({ alertname: LENS_TRIGGER, resolved: false })]);

  // The rule fired only once the condition had held for the window, by Prometheus's own samples.
  const shift = record.steps.find((s) => s.type === 'traffic.shift')!;
  const trigger = plan.triggers.find((t) => t.name === LENS_TRIGGER) as MetricTrigger;
  const held = await windowCompletedAt(world.prometheus.url, trigger, badFrom - 5_000, Date.parse(shift.startedAt));
  expect(held.since).toBeGreaterThanOrEqual(badFrom - 1_000);
  expect(Date.parse(record.milestones.detected!)).toBeGreaterThanOrEqual(held.completedAt);

  // nginx sends everything to stable: its upstream file, and every request sent after the shift.
  expect(shift).toMatchObject({ ok: true, details: { weights: { control: 100, treatment: 0 } } });
  await expect(world.router.weights(LENS_SERVICE)).resolves.toEqual({ control: 100, treatment: 0 });
  expect(answersAfter(answers, badFrom)['bad 500']).toBeGreaterThan(0);
  const after = answersAfter(answers, Date.parse(shift.endedAt));
  expect(Object.keys(after)).toEqual(['stable 200']);
  expect(after['stable 200']).toBeGreaterThan(0);
}, 180_000);
