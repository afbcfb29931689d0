// The incident commands against the real dev server. Runs started from the CLI go to a task
// queue no worker polls, so they stay open without running workflow code: what is checked is
// what the CLI sends (the run's input) and what it says back. Decisions go through a real
// API (and a worker that answers them) with the decider's own token.
import { expect } from '@jest/globals';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { runCli } from '../../src/cli/main';
import type { IncidentCommandDeps } from '../../src/cli/incidentCommands';
import { runInput } from '../../src/incidents/runs';
import type { StartResult } from '../../src/incidents/start';
import { DEFAULT_PLANS_DIR } from '../../src/validation/files';
import type { Plan } from '../../src/plan/schema';
import type { AlertDelivery } from '../../src/workflows/messages';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { decider, READER, testApi, testCredentials } from '../support/apiCredentials';
import { connectClient, type HealthEndpoint, type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { APPROVER, fixturePlan, OUTSIDER } from './fixturePlan';
import { startRun, status, terminateAll, waitForApprovalRequest } from './runs';

const NO_WORKER = uniqueName('tq-cli');
let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let flags: string;
const started: string[] = [];

const deps: IncidentCommandDeps = {
  plansDir: DEFAULT_PLANS_DIR,
  connect: async () => {
    const session = await connectClient();
    return { client: session.client, taskQueue: NO_WORKER, close: session.close };
  },
  now: () => new Date('2025-10-14T10:00:00Z'),
  preflightWaitMs: 1000,
};

async function runWith(using: IncidentCommandDeps, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, using);
  return { code, out, err };
}
const run = (...argv: string[]) => runWith(deps, ...argv);

// Declared before useSuiteWorld: jest runs afterAll hooks in declaration order, and this one
// needs the suite's client.
afterAll(async () => {
  await terminateAll(client, started);
});

useSuiteWorld({ new_checkout: true }, (world) => ({ client, worker, health, flags } = world));

/** What was signalled to a workflow under `name`, decoded, in order. */
async function signalled(workflowId: string, name: string): Promise<unknown[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const found: unknown[] = [];
  for (const event of history.events ?? []) {
    const attrs = event.workflowExecutionSignaledEventAttributes;
    if (attrs?.signalName !== name || !attrs.input?.payloads) continue;
    found.push(...(await decodeArrayFromPayloads(client.options.loadedDataConverter, attrs.input.payloads)));
  }
  return found;
}

test('rollback start: hands the alert and its decision context to the service desk, as an alert would; a second start reaches the same desk', async () => {
  const desk = 'rollback:genesis-phase4:genesis-orchestration:production';
  started.push(desk);
  const argv = ['start', '--plan', 'genesis-phase4', '--service', 'genesis-orchestration', '--trigger', 'ErrorRate', '--value', '1.4%'];
  const first = await run(...argv);
  expect(first).toMatchObject({ code: 0, out: `accepted ${desk}: plan genesis-phase4, service genesis-orchestration, trigger ErrorRate\n` });
  expect(await runInput(client, desk)).toMatchObject({ deskId: desk, plan: 'genesis-phase4', service: 'genesis-orchestration', environment: 'production' });
  const again = await run(...argv, '--json');
  expect(again.code).toBe(0);
  expect(JSON.parse(again.out)).toMatchObject({ incidentId: desk, status: 'accepted' });
  const deliveries = (await signalled(desk, 'deliverAlert')) as AlertDelivery[];
  expect(deliveries).toHaveLength(2);
  expect(deliveries[0]).toMatchObject({
    service: 'genesis-orchestration',
    trigger: 'ErrorRate',
    plan: { name: 'genesis-phase4' },
    alert: { value: '1.4%', labels: { source: 'cli' } },
  });
  expect(deliveries[0].context!.value).toBeCloseTo(0.014);
});

test("rollback drill: the drill's environment, the plan's first trigger, the top service", async () => {
  const { code, out } = await run('drill', '--plan', 'monetization-drill', '--drill', 'quarterly', '--json');
  expect(code).toBe(0);
  const answer = JSON.parse(out) as StartResult;
  started.push(answer.incidentId);
  expect(answer).toMatchObject({
    status: 'started',
    plan: 'monetization-drill',
    drill: 'quarterly',
    environment: 'staging',
    service: 'agent-service',
    trigger: 'CriticalApi5xx',
    // No worker polls this queue: the drill says it has no preflight rather than waiting on.
    preflight: 'not reported within 1s (is a worker running?)',
  });
  expect(answer.incidentId).toBe('drill-monetization-drill-quarterly-agent-service-20251014t100000z');
  expect(await runInput(client, answer.incidentId)).toMatchObject({ drill: 'quarterly', environment: 'staging' });
});

test('status and report of an unknown incident end with exit 1 and say so', async () => {
  const id = uniqueName('no-such-incident');
  const status = await run('status', id);
  expect(status).toMatchObject({ code: 1, err: `error: no incident "${id}"\n` });
  expect((await run('report', id)).code).toBe(1);
});

describe('approve and reject go through the API, as the person the token belongs to', () => {
  const tokens = testCredentials({ approver: decider(APPROVER), outsider: decider(OUTSIDER), reader: READER });
  let api: FastifyInstance;
  let plan: Plan;
  const as = (name: string): IncidentCommandDeps => ({
    ...deps,
    env: { ROLLBACK_API_URL: `http://127.0.0.1:${(api.server.address() as { port: number }).port}`, ROLLBACK_TOKEN: tokens.token(name) },
  });

  beforeAll(async () => {
    plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '1m', defaultAction: 'hold' });
    api = testApi(client, worker.taskQueue, tokens);
    await api.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await api?.close();
  });

  test("the approver's token approves as the approver; the run rolls back", async () => {
    const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
    await waitForApprovalRequest(handle);
    const answer = await runWith(as('approver'), 'approve', handle.workflowId, '--reason', 'errors climbing');
    expect(answer).toMatchObject({ code: 0, out: `approve by ${APPROVER} counted for ${handle.workflowId}\n` });
    expect(await handle.result()).toMatchObject({ outcome: 'rolled-back', decision: { by: APPROVER, reason: 'errors climbing' } });
  });

  test("refusals end with exit 1 and the API's reason: not an approver, no scope, unknown incident; --by is no option", async () => {
    const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
    await waitForApprovalRequest(handle);
    const outsider = await runWith(as('outsider'), 'reject', handle.workflowId, '--reason', 'mine');
    expect(outsider).toMatchObject({ code: 1, err: expect.stringContaining(`${OUTSIDER}: not an approver`) });
    const reader = await runWith(as('reader'), 'approve', handle.workflowId, '--reason', 'go');
    expect(reader).toMatchObject({ code: 1, err: expect.stringContaining('lacks the scope incidents:decide') });
    const claim = await runWith(as('outsider'), 'approve', handle.workflowId, '--by', APPROVER, '--reason', 'as the approver');
    expect(claim.code).toBe(2);
    expect((await status(handle)).decision).toBeUndefined();
    await handle.terminate('test over');

    const unknown = await runWith(as('approver'), 'approve', uniqueName('no-such-incident'), '--reason', 'go');
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining('no incident') });
  });
});
