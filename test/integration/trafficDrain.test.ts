// The drain step on a real HAProxy (seed 004 §2.2: wait for in-flight requests; still more
// than N → wait longer, here until no more than N are left or the extra wait is spent):
// requests held open on the canary are what HAProxy counts as in flight. The run shifts
// traffic to control, drains, and only then acts on the flag.
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { HaproxyRouter } from '../../src/adapters/traffic/haproxy';
import { parsePlan } from '../../src/validation/parse';
import type { Plan } from '../../src/plan/schema';
import { type IncidentRecord, recordQuery } from '../../src/workflows/messages';
import { eventually, flagFile, type HealthEndpoint, type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { startBackend, startHaproxy, stopAll, tally, waitFor, type Backend, type HaproxyServer } from '../support/servers';
import { events, expectMilestonesInOrder, startRun, status } from './runs';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let control: Backend;
let treatment: Backend;
let haproxy: HaproxyServer;
let router: HaproxyRouter;

const POOLS = { control: ['control-1'], treatment: ['treatment-1'] };
const WAIT_MS = 1000;
/** Long, so that a drain which ends when the pool empties is told apart from one that waits it out. */
const EXTRA_WAIT_MS = 20_000;
const MAX_ACTIVE = 1;

useSuiteWorld({}, (world) => ({ client, worker, health } = world));

beforeAll(async () => {
  control = await startBackend('control');
  treatment = await startBackend('treatment');
});

afterAll(async () => {
  await stopAll();
  await Promise.all([control?.stop(), treatment?.stop()]);
});

beforeEach(async () => {
  await haproxy?.stop();
  // The canary at full weight: every request goes to the treatment.
  haproxy = await startHaproxy({
    backends: { checkout: { 'control-1': { address: control.address, weight: 0 }, 'treatment-1': { address: treatment.address, weight: 1 } } },
  });
  router = new HaproxyRouter({ socket: haproxy.socket, services: { checkout: { backend: 'checkout', pools: POOLS } } });
});

// Whatever a test left held is answered before HAProxy stops.
afterEach(() => treatment.release());

function drainPlan(flags: string, extraWaitMs = EXTRA_WAIT_MS): Plan {
  const name = uniqueName('drain-plan');
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${name}
targets: { services: [{ name: checkout }] }
triggers: [{ name: Outage, kind: health, condition: { check: health, consecutiveFailures: 3 } }]
decisions: [{ name: main, triggers: [Outage], rules: [{ outcome: { action: rollback, level: 1 } }] }]
authority: { roles: {}, decide: [{ system: true }] }
levels:
  - level: 1
    name: traffic to control, drained, then the flag
    steps:
      - { type: traffic.shift, service: checkout, to: control, percent: 100 }
      - { type: traffic.drain, service: checkout, wait: ${WAIT_MS}ms, maxActive: ${MAX_ACTIVE}, extraWait: ${extraWaitMs}ms }
      - { type: flag.disable, flag: new_checkout }
    checks: [health]
checks: { health: { type: http, url: ${health.url}, attempts: 1, timeout: 2s } }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
  traffic: { type: haproxy, socket: ${JSON.stringify(haproxy.socket)}, services: { checkout: { backend: checkout, pools: ${JSON.stringify(POOLS)} } } }
notifications: { templates: {} }
`,
    `${name}.yaml`,
  );
}

function stepsOf(record: IncidentRecord) {
  const [shift, drain, flag] = record.steps;
  return { shift: shift, drain: drain, flag: flag };
}

const span = (s: { startedAt: string; endedAt: string }) => Date.parse(s.endedAt) - Date.parse(s.startedAt);

test('more requests in flight than the plan allows: the drain waits until they are done, and the flag waits for the drain', async () => {
  const flags = await flagFile({ new_checkout: true });
  // Three requests held open on the canary: in flight as HAProxy counts them.
  treatment.hold();
  const inFlight = [1, 2, 3].map(() => fetch(haproxy.url).then((r) => r.text()));
  await waitFor(async () => treatment.held === 3 && (await router.activeRequests('checkout')) === 3);

  const handle = await startRun(client, worker.taskQueue, drainPlan(flags), 'Outage');
  const waiting = await eventually(
    () => status(handle),
    (s) => events(s).includes('traffic drain waits longer'),
    30_000,
  );
  expect(waiting.timeline.find((e) => e.event === 'traffic drain waits longer')?.detail).toBe(
    `3 active requests > ${MAX_ACTIVE}; waiting up to ${EXTRA_WAIT_MS}ms more`,
  );
  // New requests already go to control; the flag has not been touched while the drain lasts.
  expect(await tally(haproxy.url, 6)).toEqual({ control: 6 });
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(true);
  // The canary finishes its requests during the extra wait.
  treatment.release();
  expect(await Promise.all(inFlight)).toEqual(['treatment', 'treatment', 'treatment']);

  const result = await handle.result();
  const record = await handle.query(recordQuery);
  expect(result.outcome).toBe('rolled-back');
  const { shift, drain, flag } = stepsOf(record);
  expect(shift).toMatchObject({ type: 'traffic.shift', ok: true, details: { weights: { control: 100, treatment: 0 } } });
  expect(drain).toMatchObject({ type: 'traffic.drain', ok: true, details: { active: 0, activeAfterWait: 3 } });
  expect(drain.summary).toMatch(new RegExp(`^drained: 0 active requests after ${WAIT_MS}ms \\+ \\d+(ms|s) \\(3 after ${WAIT_MS}ms\\)$`));
  // It went on once the canary had finished, not when the extra wait ran out.
  expect(span(drain)).toBeGreaterThanOrEqual(WAIT_MS);
  expect(span(drain)).toBeLessThan(WAIT_MS + EXTRA_WAIT_MS);
  expect(Date.parse(flag.startedAt)).toBeGreaterThanOrEqual(Date.parse(drain.endedAt));
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
  expectMilestonesInOrder(record.milestones, ['decided', 'drained', 'rolled-back', 'verified']);
  // The real load balancer afterwards: nothing in flight, everything on control.
  expect(await router.activeRequests('checkout')).toBe(0);
  await expect(router.weights('checkout')).resolves.toEqual({ control: 100, treatment: 0 });
});

test('in-flight requests within the limit: one wait, no extra wait', async () => {
  const flags = await flagFile({ new_checkout: true });
  treatment.hold();
  const inFlight = fetch(haproxy.url).then((r) => r.text());
  await waitFor(async () => (await router.activeRequests('checkout')) === 1);

  const handle = await startRun(client, worker.taskQueue, drainPlan(flags), 'Outage');
  const result = await handle.result();
  treatment.release();
  expect(await inFlight).toBe('treatment');
  const record = await handle.query(recordQuery);
  expect(result.outcome).toBe('rolled-back');
  expect(events(result)).not.toContain('traffic drain waits longer');
  const { drain } = stepsOf(record);
  expect(drain).toMatchObject({ ok: true, summary: `drained: 1 active requests after ${WAIT_MS}ms`, details: { active: 1 } });
  expect(span(drain)).toBeGreaterThanOrEqual(WAIT_MS);
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
});

test('requests that outlast the extra wait: the drain gives up on them, says so, and the rollback goes on', async () => {
  const flags = await flagFile({ new_checkout: true });
  treatment.hold();
  const inFlight = [1, 2].map(() => fetch(haproxy.url).then((r) => r.text()));
  await waitFor(async () => (await router.activeRequests('checkout')) === 2);

  const extraWaitMs = 3000;
  const handle = await startRun(client, worker.taskQueue, drainPlan(flags, extraWaitMs), 'Outage');
  const result = await handle.result();
  const record = await handle.query(recordQuery);
  expect(result.outcome).toBe('rolled-back');
  const { drain } = stepsOf(record);
  expect(drain).toMatchObject({ ok: true, details: { active: 2, activeAfterWait: 2 } });
  expect(drain.summary).toMatch(new RegExp(`^still 2 active requests \\(> ${MAX_ACTIVE}\\) after ${WAIT_MS}ms \\+ \\d+(ms|s); going on$`));
  expect(span(drain)).toBeGreaterThanOrEqual(WAIT_MS + extraWaitMs);
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
  treatment.release();
  expect(await Promise.all(inFlight)).toEqual(['treatment', 'treatment']);
});
