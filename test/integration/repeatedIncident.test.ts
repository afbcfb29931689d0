// Issue 7, defect 1: the same alert firing again later gets the same incident id (an
// Alertmanager fingerprint is a hash of the labels). The second run must act on the flag
// again — not find the first run's step in the guard and report a rollback that did not happen.
import type { Client } from '@temporalio/client';
import { FileFlagStore, readFlagFile } from '../../src/adapters/fileFlagStore';
import { recordQuery } from '../../src/workflows/messages';
import { type HealthEndpoint, type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { fixturePlan } from './fixturePlan';
import { startRun } from './runs';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let flags: string;
useSuiteWorld({ new_checkout: true }, (world) => ({ client, worker, health, flags } = world));

test('the same incident id run again turns the flag off again, and its record says the step acted', async () => {
  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags });
  const incidentId = uniqueName('rollback-checkout-fingerprint');

  const first = await startRun(client, worker.taskQueue, plan, 'ServiceDown', { incidentId });
  expect((await first.result()).outcome).toBe('rolled-back');
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
  const firstRun = (await first.describe()).runId;

  // After the incident, someone turns the feature back on; later the same alert fires again.
  await new FileFlagStore(flags).enable('new_checkout', 'U0ONCALL01');
  const second = await startRun(client, worker.taskQueue, plan, 'ServiceDown', { incidentId });
  expect(second.workflowId).toBe(first.workflowId);
  expect((await second.result()).outcome).toBe('rolled-back');
  expect((await second.describe()).runId).not.toBe(firstRun);

  expect((await readFlagFile(flags)).flags.new_checkout).toMatchObject({ enabled: false, updatedBy: `rollback ${incidentId}` });
  const steps = (await second.query(recordQuery)).steps;
  expect(steps).toHaveLength(1);
  expect(steps[0]).toMatchObject({
    type: 'flag.disable',
    ok: true,
    summary: 'flag new_checkout turned off',
    details: { changed: true, previous: true, readBack: { flag: 'new_checkout', enabled: false } },
  });
  expect(steps[0].details?.replayed).toBeUndefined();
});
