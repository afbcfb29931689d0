// The incident commands against the real dev server. Runs go to a task queue no worker
// polls, so they stay open without running workflow code: what is checked is what the CLI
// sends (the run's input) and what it says back, not the workflow's behaviour.
import type { Client } from '@temporalio/client';
import { runCli } from '../../src/cli/main';
import type { IncidentCommandDeps } from '../../src/cli/incidentCommands';
import { runInput } from '../../src/incidents/runs';
import { DEFAULT_PLANS_DIR } from '../../src/plan/files';
import { connectClient, uniqueName } from '../support/harness';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { AlertDelivery } from '../../src/workflows/messages';

const NO_WORKER = uniqueName('tq-cli');
let client: Client;
let closeClient: () => Promise<void>;
const started: string[] = [];

const deps: IncidentCommandDeps = {
  plansDir: DEFAULT_PLANS_DIR,
  connect: async () => {
    const session = await connectClient();
    return { client: session.client, taskQueue: NO_WORKER, close: session.close };
  },
  now: () => new Date('2025-10-14T10:00:00Z'),
};

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, deps);
  return { code, out, err };
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
});

afterAll(async () => {
  for (const id of started) await client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await closeClient?.();
});

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
  expect(deliveries[0]).toMatchObject({ service: 'genesis-orchestration', trigger: 'ErrorRate', plan: { name: 'genesis-phase4' }, alert: { value: '1.4%', labels: { source: 'cli' } } });
  expect(deliveries[0]!.context!.value).toBeCloseTo(0.014);
});

test("rollback drill: the drill's environment, the plan's first trigger, the top service", async () => {
  const { code, out } = await run('drill', '--plan', 'monetization-drill', '--drill', 'quarterly', '--json');
  expect(code).toBe(0);
  const answer = JSON.parse(out);
  started.push(answer.incidentId);
  expect(answer).toMatchObject({ status: 'started', plan: 'monetization-drill', drill: 'quarterly', environment: 'staging', service: 'agent-service', trigger: 'CriticalApi5xx' });
  expect(answer.incidentId).toBe('drill-monetization-drill-quarterly-agent-service-20251014t100000z');
  expect(await runInput(client, answer.incidentId)).toMatchObject({ drill: 'quarterly', environment: 'staging' });
});

test('status, report and decisions of an unknown incident end with exit 1 and say so', async () => {
  const id = uniqueName('no-such-incident');
  const status = await run('status', id);
  expect(status).toMatchObject({ code: 1, err: `error: no incident "${id}"\n` });
  expect((await run('report', id)).code).toBe(1);
  const approve = await run('approve', id, '--by', 'U0GENTECHLD', '--reason', 'go');
  expect(approve.code).toBe(1);
  expect(approve.err).toContain(`no incident "${id}"`);
});
