// flag.rollout in a run, on the embedded file flag store: the level dials new_checkout back
// to 0 % of users serving the control variant (instead of switching it off), and the step's
// record is what the flag file says afterwards.
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { recordQuery } from '../../src/workflows/messages';
import { type HealthEndpoint, type TestWorker, useSuiteWorld } from '../support/harness';
import { fixturePlan } from './fixturePlan';
import { startRun } from './runs';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let flags: string;
useSuiteWorld({ new_checkout: true }, (world) => ({ client, worker, health, flags } = world));

test('a rollout step sets the share and the variant in the flag file, and records what the file says', async () => {
  const plan = fixturePlan({
    healthUrl: health.url,
    flagStorePath: flags,
    steps: [{ type: 'flag.rollout', flag: 'new_checkout', percent: 0, variant: 'control' }],
  });

  const handle = await startRun(client, worker.taskQueue, plan, 'ServiceDown');
  const result = await handle.result();

  expect(result).toMatchObject({ outcome: 'rolled-back', level: 1 });
  // Still on (the flag is not killed), for nobody, and anyone it reaches gets control.
  expect((await readFlagFile(flags)).flags.new_checkout).toMatchObject({
    enabled: true,
    rollout: 0,
    variant: 'control',
    updatedBy: `rollback ${handle.workflowId}`,
  });
  const [rollout] = (await handle.query(recordQuery)).steps;
  expect(rollout).toMatchObject({
    type: 'flag.rollout',
    ok: true,
    summary: 'flag new_checkout rolled out to 0 % of users, variant control',
    details: {
      changed: true,
      previous: { enabled: true, percent: 100 },
      readBack: { flag: 'new_checkout', enabled: true, percent: 0, variant: 'control', store: `the flag file ${flags}` },
    },
  });
});
