// Durability: the worker process dies (SIGKILL) while a run waits for a decision; a new
// worker process picks the run up and it finishes, each side effect done once.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { parsePlan } from '../../src/plan/parse';
import { approveSignal } from '../../src/workflows/messages';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, eventually, flagFile, healthEndpoint, SLACK_TEST_TOKEN, spawnWorkerProcess, uniqueName } from '../support/harness';
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

test('a worker killed in the middle of the roll-back stage: the run finishes on a new worker and each step acted once', async () => {
  const taskQueue = uniqueName('crash-mid');
  const world = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? tmpdir(), 'world-'));
  const flags = await flagFile({ new_checkout: true });
  const plan = parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('crash-plan')}
targets: { services: [{ name: checkout }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels:
  - level: 1
    name: flag, then drain, then restart
    steps:
      - { type: flag.disable, flag: new_checkout }
      - { type: command.run, name: first half, command: 'echo first >> actions.log' }
      - { type: wait, duration: 6s }
      - { type: command.run, name: second half, command: 'echo second >> actions.log' }
    checks: [health]
checks: { health: { type: http, url: "${health.url}", attempts: 2, delay: 200ms } }
adapters: { flags: { type: file, path: ${JSON.stringify(flags)} }, commands: { cwd: ${JSON.stringify(world)} } }
`,
    'crash-plan.yaml',
  );
  const env = { TEMPORAL_TASK_QUEUE: taskQueue, FLAG_STORE_PATH: flags, STATE_DIR: join(world, 'state') };
  const first = spawnWorkerProcess(env);
  workers.push(first);
  const handle = await startRun(client, taskQueue, plan, 'ServiceDown');
  const log = join(world, 'actions.log');
  await eventually(async () => (existsSync(log) ? readFileSync(log, 'utf8') : ''), (text) => text.includes('first'));
  const flagChangedAt = (await readFlagFile(flags)).flags.new_checkout?.updatedAt;

  const gone = exited(first);
  first.kill('SIGKILL');
  await gone;
  const second = spawnWorkerProcess(env);
  workers.push(second);

  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  expect(readFileSync(log, 'utf8')).toBe('first\nsecond\n');
  expect((await readFlagFile(flags)).flags.new_checkout).toMatchObject({ enabled: false, updatedAt: flagChangedAt });
  second.kill('SIGTERM');
  await exited(second);
});
