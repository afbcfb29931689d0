// Fault matrix, worker side: the worker process dies (SIGKILL) while a run is in each
// stage — detect, decide, drain, roll back, verify, monitor. A new worker process picks
// the run up; it completes, every side effect happened once, and the record says what the
// targets say: the flag file, where nginx sends requests (and how often it reloaded), the
// lines the command steps appended, the Slack approval request. Each stage is held open by
// plan data (decision window, drain wait, a wait step, settle time, monitoring interval).
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { parsePlan } from '../../src/plan/parse';
import type { Plan } from '../../src/plan/schema';
import { approveSignal, type IncidentStatus, Outcome, recordQuery, Stage } from '../../src/workflows/messages';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, eventually, flagFile, healthEndpoint, SLACK_TEST_TOKEN, spawnWorkerProcess, uniqueName } from '../support/harness';
import { startBackend, startNginx, stopAll, tally, type Backend, type NginxServer } from '../support/servers';
import { APPROVER } from './fixturePlan';
import { events, startRun, status } from './runs';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let control: Backend;
let treatment: Backend;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  health = await healthEndpoint(200);
  control = await startBackend('control');
  treatment = await startBackend('treatment');
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await stopAll();
  await Promise.all([slack?.close(), health?.close(), control?.stop(), treatment?.stop()]);
  await closeClient?.();
});

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
}

/** How long each stage lasts; the stage under test gets long enough to kill the worker in it. */
interface Durations {
  window: string;
  drain: string;
  wait: string;
  settle: string;
  interval: string;
}

const QUICK: Durations = { window: '1s', drain: '0s', wait: '0s', settle: '0s', interval: '500ms' };
const HELD = '6s';

/**
 * Every stage acts on a real target: the level shifts nginx to control and waits for the
 * drain, turns the flag off, appends a line, waits, appends another; verification and two
 * monitoring cycles check health.
 */
function matrixPlan(world: string, flags: string, nginx: NginxServer, d: Durations): Plan {
  const name = uniqueName('fault-plan');
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${name}
targets: { services: [{ name: checkout }] }
triggers: [{ name: ErrorRateHigh, kind: metric, condition: { metric: error_rate, op: '>', threshold: 2%, for: 5m } }]
decisions:
  - name: main
    triggers: [ErrorRateHigh]
    rules: [{ outcome: { action: ask, window: ${d.window}, default: rollback, approvers: [oncall], level: 1 } }]
authority: { roles: { oncall: { members: [${APPROVER}] } }, decide: [{ roles: [oncall] }] }
levels:
  - level: 1
    name: shift and drain, flag, then a two-part restart
    steps:
      - { type: traffic.shift, service: checkout, to: control, percent: 100 }
      - { type: traffic.drain, wait: ${d.drain} }
      - { type: flag.disable, flag: new_checkout }
      - { type: command.run, name: first half, command: 'echo first >> actions.log' }
      - { type: wait, duration: ${d.wait} }
      - { type: command.run, name: second half, command: 'echo second >> actions.log' }
    checks: [health]
verification: { settle: ${d.settle} }
checks: { health: { type: http, url: "${health.url}", attempts: 2, delay: 200ms } }
monitoring: { cycles: 2, interval: ${d.interval}, checks: [health] }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
  commands: { cwd: ${JSON.stringify(world)} }
  traffic:
    type: nginx
    conf: ${JSON.stringify(nginx.conf)}
    upstreamFile: ${JSON.stringify(nginx.upstreamFile)}
    statusUrl: ${nginx.statusUrl}
    binary: ${nginx.binary}
    services: { checkout: { pools: { control: [${control.address}], treatment: [${treatment.address}] } } }
notifications: { slack: { channel: "#incidents" }, templates: {} }
`,
    `${name}.yaml`,
  );
}

/** Reloads nginx's master was told to do, from its own log. */
function nginxReloads(nginx: NginxServer): number {
  return (readFileSync(nginx.logFile, 'utf8').match(/signal 1 \(SIGHUP\) received/g) ?? []).length;
}

function approvalRequests(incidentId: string) {
  return slack.requests.filter((r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes(incidentId) && JSON.stringify(r.body).includes('rollback_approve'));
}

interface Row {
  stage: Stage;
  durations: Partial<Durations>;
  /** True when the run, as the status query shows it, is where the worker must die. */
  killWhen?: (s: IncidentStatus) => boolean;
  /** What happens while no worker runs. */
  meanwhile?: (handle: WorkflowHandle) => Promise<void>;
}

const stepDone = (s: IncidentStatus, type: string) => events(s).some((e) => e === `step ${type} done`);

const ROWS: Row[] = [
  // Killed as the run starts: its first workflow task dies with the worker (see the history check below).
  { stage: Stage.Detect, durations: {} },
  {
    stage: Stage.Decide,
    durations: { window: '5m' },
    // Once the question is out: a kill while it is being posted is a notifier fault, not this row.
    killWhen: (s) => s.stage === Stage.Decide && events(s).includes('Slack approval request sent'),
    // The decision arrives while no worker runs; the server keeps it in the history.
    meanwhile: (handle) => handle.signal(approveSignal, { by: APPROVER, reason: 'approved during the outage' }),
  },
  { stage: Stage.Drain, durations: { drain: HELD }, killWhen: (s) => s.stage === Stage.Drain && stepDone(s, 'traffic.shift') },
  { stage: Stage.RollBack, durations: { wait: HELD }, killWhen: (s) => s.stage === Stage.RollBack && stepDone(s, 'command.run') },
  { stage: Stage.Verify, durations: { settle: HELD }, killWhen: (s) => s.stage === Stage.Verify },
  { stage: Stage.Monitor, durations: { interval: '4s' }, killWhen: (s) => s.stage === Stage.Monitor },
];

test.concurrent.each(ROWS)('worker SIGKILL in $stage: the run completes on a new worker, each side effect once, the record matches the targets', async (row) => {
  const taskQueue = uniqueName(`crash-${row.stage}`);
  const world = join(process.env.ROLLBACK_TEST_DIR!, uniqueName('world'));
  mkdirSync(world, { recursive: true });
  const flags = await flagFile({ new_checkout: true });
  // The canary before the incident: everything on the treatment.
  const nginx = await startNginx({
    upstreams: `upstream checkout {\n    server ${treatment.address} weight=1;\n    server ${control.address} down;\n}\n`,
    routes: { '/': 'checkout' },
  });
  const plan = matrixPlan(world, flags, nginx, { ...QUICK, ...row.durations });
  const env = {
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLAG_STORE_PATH: flags,
    STATE_DIR: join(world, 'state'),
    SLACK_BOT_TOKEN: SLACK_TEST_TOKEN,
    SLACK_API_URL: slack.url,
  };
  const first = spawnWorkerProcess(env);
  workers.push(first);
  const gone = exited(first);

  let handle: WorkflowHandle;
  if (row.killWhen) {
    handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
    const seen = await eventually(() => status(handle), row.killWhen, 60_000);
    first.kill('SIGKILL');
    expect(seen.stage).toBe(row.stage);
  } else {
    // Detect: the worker is polling when the alert arrives, and dies with the run's first task.
    let said = '';
    first.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await eventually(async () => said, (out) => out.includes('polling'), 60_000);
    handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
    first.kill('SIGKILL');
  }
  expect(await gone).toBe('SIGKILL');
  await row.meanwhile?.(handle);

  const second = spawnWorkerProcess(env);
  workers.push(second);
  const result = await handle.result();
  if (row.stage === Stage.Detect) {
    // The run had not got past detect: its first completed workflow task is the new worker's.
    const history = await handle.fetchHistory();
    const completed = history.events?.find((e) => e.workflowTaskCompletedEventAttributes)?.workflowTaskCompletedEventAttributes;
    expect(completed?.identity).toMatch(new RegExp(`^${second.pid}@`));
  }
  const record = await handle.query(recordQuery);
  second.kill('SIGTERM');
  await exited(second);

  expect(result.outcome).toBe(Outcome.RolledBack);
  // Each step once, as it happened: nothing resumed (no step was in flight) or replayed.
  expect(record.steps.map((s) => `${s.type}${s.name ? `: ${s.name}` : ''}`)).toEqual([
    'traffic.shift',
    'traffic.drain',
    'flag.disable',
    'command.run: first half',
    'wait',
    'command.run: second half',
  ]);
  for (const step of record.steps) {
    expect(step.ok).toBe(true);
    expect(step.details?.resumed).toBeUndefined();
    expect(step.details?.replayed).toBeUndefined();
  }
  // The flag: off in the file, changed once, as the record says.
  const flag = (await readFlagFile(flags)).flags.new_checkout;
  expect(flag?.enabled).toBe(false);
  expect(record.steps[2]?.summary).toMatch(/^flag new_checkout turned off/);
  expect(record.steps[2]?.details).toMatchObject({ changed: true });
  // nginx: reloaded once, and every request lands where the record says.
  expect(nginxReloads(nginx)).toBe(1);
  expect(record.steps[0]?.details).toMatchObject({ weights: { control: 100, treatment: 0 } });
  expect(await tally(nginx.url, 10)).toEqual({ control: 10 });
  // The commands: each line once.
  expect(readFileSync(join(world, 'actions.log'), 'utf8')).toBe('first\nsecond\n');
  // People: asked once.
  expect(approvalRequests(handle.workflowId)).toHaveLength(1);
  if (row.stage === Stage.Decide) expect(result.decision).toMatchObject({ action: 'rollback', by: APPROVER });
  // Checks as often as the plan says: once in verify, once per monitoring cycle.
  expect(record.checks.map((c) => `${c.check} ${c.attempts.length}`)).toEqual(['health 1', 'health 1', 'health 1']);
  expect(events(result).filter((e) => e.startsWith('monitoring cycle'))).toEqual(['monitoring cycle 1/2 clean', 'monitoring cycle 2/2 clean']);
  await nginx.stop();
});
