// Issue 7 defect 10: a plan's commands act on the directory the plan names, or else on a
// fresh directory of the run's own; never on the worker's working directory. The worker
// here runs as its own process inside a git checkout on `main` (as the orchestrator's own
// checkout was when the reserves-v11 level-2 commands switched its branch).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { parsePlan } from '../../src/validation/parse';
import { recordQuery } from '../../src/workflows/messages';
import { createRepo, type TestRepo } from '../support/gitRepo';
import { connectClient, temporalAddress, uniqueName } from '../support/harness';
import { startRun } from './runs';

const ROOT = resolve(__dirname, '../..');
// The reserves-v11 hotfix commands, as far as they go without a remote.
const HOTFIX = 'pwd > where.txt && git init -q && git checkout -q -b hotfix/disable-reserves-v11';

let client: Client;
let closeClient: () => Promise<void>;
let checkout: TestRepo;
let worker: ChildProcess;
let stateDir: string;
const taskQueue = uniqueName('cwd');

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  checkout = createRepo();
  checkout.commit('orchestrator', { 'README.md': 'the orchestrator\n' });
  stateDir = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'worker-state-'));
  // The worker process started from inside the checkout (absolute paths, so nothing else comes from there).
  worker = spawn(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), join(ROOT, 'src/worker/main.ts')], {
    cwd: checkout.dir,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE: process.env.WORKFLOW_BUNDLE,
      STATE_DIR: stateDir,
      FLAG_STORE_PATH: join(stateDir, 'flags.json'),
    },
    stdio: 'ignore',
  });
});

afterAll(async () => {
  if (worker?.exitCode === null) {
    const gone = new Promise((done) => worker.once('exit', done));
    worker.kill('SIGTERM');
    await gone;
  }
  await closeClient?.();
});

function hotfixPlan(cwd?: string) {
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('cwd-plan')}
targets: { services: [{ name: reserves }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: on-hotfix-branch, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels:
  - level: 2
    name: flag default change
    steps:
      - { type: command.run, command: '${HOTFIX}' }
    checks: [on-hotfix-branch]
# The check runs where the steps ran: it sees their branch and file.
checks: { on-hotfix-branch: { type: command, command: 'test -f where.txt && test "$(git symbolic-ref --short HEAD)" = hotfix/disable-reserves-v11', timeout: 10s } }
${cwd ? `adapters: { commands: { cwd: ${JSON.stringify(cwd)} } }` : ''}
`,
    'cwd-plan.yaml',
  );
}

function orchestratorUntouched(): void {
  expect(checkout.git('symbolic-ref', '--short', 'HEAD')).toBe('main');
  expect(existsSync(join(checkout.dir, 'where.txt'))).toBe(false);
  expect(checkout.git('status', '--porcelain')).toBe('');
}

test("a plan without adapters.commands.cwd: the commands run in a fresh folder of the run, the worker's checkout stays on main", async () => {
  const handle = await startRun(client, taskQueue, hotfixPlan(), 'ServiceDown', { service: 'reserves' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  orchestratorUntouched();
  const runDir = join(stateDir, 'commands', handle.workflowId, (await handle.describe()).runId);
  expect(record.steps[0]).toMatchObject({ type: 'command.run', ok: true, details: { cwd: runDir } });
  expect(readFileSync(join(runDir, 'where.txt'), 'utf8')).toBe(`${runDir}\n`);
});

test('a plan with adapters.commands.cwd: the commands run there', async () => {
  const deployment = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'deployment-'));
  const handle = await startRun(client, taskQueue, hotfixPlan(deployment), 'ServiceDown', { service: 'reserves' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  orchestratorUntouched();
  expect(record.steps[0]).toMatchObject({ ok: true, details: { cwd: deployment } });
  expect(readFileSync(join(deployment, 'where.txt'), 'utf8')).toBe(`${deployment}\n`);
  expect(existsSync(join(stateDir, 'commands', handle.workflowId))).toBe(false);
});
