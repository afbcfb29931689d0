// Seed 000's kill switch on a real Unleash: the reserves-v11 plan unchanged but for its world
// (the local reserves service, Prometheus, and `adapters.flags` naming Unleash and the
// variable with its admin token). What counts is what Unleash's admin API says afterwards.
import type { Client } from '@temporalio/client';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { recordQuery } from '../../../src/workflows/messages';
import { connectClient, flagFile, startWorker, testDeps, type TestWorker } from '../../support/harness';
import { startPrometheus, startUnleash, stopAll, waitFor, type PrometheusServer, type UnleashServer } from '../../support/servers';
import { startRun } from '../runs';
import { reservesPlan, startReserves, type ReservesService } from './reservesWorld';

const TOKEN_ENV = 'RESERVES_UNLEASH_TOKEN';
const KILL_SWITCH = ['ff_reserves_v11', 'shadow_compare'];

let client: Client;
let closeClient: () => Promise<void>;
let unleash: UnleashServer;
let prometheus: PrometheusServer;
let reserves: ReservesService;
let worker: TestWorker;

interface AdminEnvironment {
  name: string;
  enabled: boolean;
}

/** Whether Unleash's admin API has the flag on, per environment. */
async function inUnleash(flag: string): Promise<Record<string, boolean>> {
  const feature = await unleash.admin<{ environments: AdminEnvironment[] }>('GET', `/projects/default/features/${flag}`);
  return Object.fromEntries(feature.environments.map((e) => [e.name, e.enabled]));
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  unleash = await startUnleash();
  for (const flag of KILL_SWITCH) {
    await unleash.createFlag(flag);
    for (const environment of ['development', 'production']) await unleash.admin('POST', `/projects/default/features/${flag}/environments/${environment}/on`);
  }
  // The service asks Unleash which engine to use, as its SDK would.
  reserves = await startReserves(async () => (await inUnleash('ff_reserves_v11')).production);
  prometheus = await startPrometheus([reserves.address]);
  const metrics = new PrometheusMetrics({ url: prometheus.url });
  await waitFor(async () => ((await metrics.query('reserves_error_rate')).value ?? 0) > 0.001, 15_000);
  // The embedded file store is there too, empty: nothing may land in it.
  worker = await startWorker(testDeps({ flagStorePath: await flagFile({}), secrets: { [TOKEN_ENV]: unleash.adminToken } }));
});

afterAll(async () => {
  await worker?.shutdown();
  await reserves?.stop();
  await stopAll();
  await closeClient?.();
});

test('error rate > 0.1 %: the kill switch turns ff_reserves_v11 and shadow_compare off in Unleash production, and recovery is verified', async () => {
  const plan = reservesPlan({ reserves, prometheus, flags: { type: 'unleash', url: unleash.url, project: 'default', tokenEnv: TOKEN_ENV } });
  const handle = await startRun(client, worker.taskQueue, plan, 'ReservesErrorRate', { service: 'reserves', value: '0.4%' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result).toMatchObject({ outcome: 'rolled-back', level: 1 });
  // Unleash's own answer: off in production (the run's environment), development untouched.
  expect(await inUnleash('ff_reserves_v11')).toEqual({ development: true, production: false });
  expect(await inUnleash('shadow_compare')).toEqual({ development: true, production: false });
  // The record is what Unleash said after each step, not what the step meant.
  const location = `Unleash ${unleash.url} (project default, environment production)`;
  expect(record.steps.map((s) => [s.ok, s.summary, s.details?.readBack])).toEqual(
    KILL_SWITCH.map((flag) => [true, `flag ${flag} turned off`, { flag, enabled: false, store: location }]),
  );
  // §Verification Steps: the service itself reports the legacy engine; error rate and latency back.
  expect(Object.fromEntries(record.checks.map((c) => [c.check, c.verdict]))).toEqual({
    'reserves-features': 'passed',
    'error-rate-recovered': 'passed',
    'latency-recovered': 'passed',
  });
  // The token never reaches the run's history.
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).not.toContain(unleash.adminToken.split('.')[1]);
});
