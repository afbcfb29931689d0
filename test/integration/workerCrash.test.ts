// Durability: the worker process dies (SIGKILL) while a run waits for a decision; a new
// worker process picks the run up and it finishes, each side effect done once.
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { approveSignal } from '../../src/workflows/messages';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, flagFile, healthEndpoint, SLACK_TEST_TOKEN, spawnWorkerProcess, uniqueName } from '../support/harness';
import { APPROVER, fixturePlan } from './fixturePlan';
import { startRun, waitForApprovalRequest } from './runs';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  health = await healthEndpoint(200);
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await Promise.all([slack?.close(), health?.close()]);
  await closeClient?.();
});

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
}

test('a run waiting for approval survives SIGKILL of its worker and completes on a new one', async () => {
  const taskQueue = uniqueName('crash');
  const flags = await flagFile({ new_checkout: true });
  const env = {
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLAG_STORE_PATH: flags,
    STATE_DIR: join(process.env.ROLLBACK_TEST_DIR ?? tmpdir(), uniqueName('worker-state')),
    SLACK_BOT_TOKEN: SLACK_TEST_TOKEN,
    SLACK_API_URL: slack.url,
  };
  const first = spawnWorkerProcess(env);
  workers.push(first);

  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '5m', slackChannel: '#incidents' });
  const handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
  await waitForApprovalRequest(handle);

  const gone = exited(first);
  first.kill('SIGKILL');
  expect(await gone).toBe('SIGKILL');

  // The decision arrives while no worker runs; the server keeps it in the history.
  await handle.signal(approveSignal, { by: APPROVER, reason: 'approved during the outage' });
  const second = spawnWorkerProcess(env);
  workers.push(second);

  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'rolled-back', decision: { action: 'rollback', by: APPROVER } });
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
  // The approval request was posted by the first worker and not again by the second.
  const requests = slack.requests.filter((r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes(handle.workflowId) && JSON.stringify(r.body).includes('rollback_approve'));
  expect(requests).toHaveLength(1);
  second.kill('SIGTERM');
  await exited(second);
});
