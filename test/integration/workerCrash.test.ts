// Fault matrix, worker side: the worker process dies (SIGKILL) while a run is in each
// stage — detect, decide, drain, roll back, verify, monitor. A new worker process picks
// the run up; it completes, every side effect happened once, and the record says what the
// targets say: the flag file, where nginx sends requests (and how often it reloaded), the
// lines the command steps appended, the Slack approval request. Each stage is held open by
// plan data (decision window, drain wait, a wait step, settle time, monitoring interval), or
// by a slow service for a health check in flight. Kills fall between steps: a step killed
// mid-flight (its command dies with the worker) is retried by a new worker once the
// heartbeat stops, and its record says `resumed`.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { parsePlan } from '../../src/validation/parse';
import type { Plan } from '../../src/plan/schema';
import { approveSignal, type IncidentStatus, Outcome, recordQuery, type RollbackWorkflow, Stage } from '../../src/workflows/messages';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, eventually, flagFile, SLACK_TEST_TOKEN, spawnWorkerProcess, uniqueName } from '../support/harness';
import { startBackend, startNginx, stopAll, tally, type Backend, type NginxServer } from '../support/servers';
import { APPROVER } from './fixturePlan';
import { events, startRun, status } from './runs';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let health: Health;
let control: Backend;
let treatment: Backend;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  health = await startHealth();
  control = await startBackend('control');
  treatment = await startBackend('treatment');
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await stopAll();
  await Promise.all([slack?.close(), health?.close(), control?.stop(), treatment?.stop()]);
  await closeClient?.();
});

interface Health {
  url: string;
  /** Requests that asked for `?run=<run>`, answered or not. */
  requests(run: string): number;
  close(): Promise<void>;
}

/** The service's health endpoint: healthy, answering after `?delay=<ms>` (a slow service). */
async function startHealth(): Promise<Health> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://health').searchParams;
    seen.push(query.get('run') ?? '');
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    setTimeout(answer, Number(query.get('delay') ?? 0));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    requests: (run) => seen.filter((r) => r === run).length,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

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
  /** How long the service takes to answer a health check. */
  healthDelay: number;
}

const QUICK: Durations = { window: '1s', drain: '0s', wait: '0s', settle: '0s', interval: '500ms', healthDelay: 0 };
const HELD = '6s';

/**
 * Every stage acts on a real target: the level shifts nginx to control and waits for the
 * drain, turns the flag off, appends a line, waits, appends another; verification and two
 * monitoring cycles check health.
 */
function matrixPlan(world: string, flags: string, nginx: NginxServer, run: string, d: Durations): Plan {
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
checks: { health: { type: http, url: "${health.url}?run=${run}&delay=${d.healthDelay}", attempts: 2, delay: 200ms, timeout: 5s } }
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
  return slack.requests.filter(
    (r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes(incidentId) && JSON.stringify(r.body).includes('rollback_approve'),
  );
}

interface Row {
  what: string;
  stage: Stage;
  durations: Partial<Durations>;
  /**
   * True when the run, as the status query shows it, is where the worker must die; `kill`
   * counts the workers killed so far plus one, `healthChecks` the requests the health endpoint got.
   */
  killWhen?: (s: IncidentStatus, healthChecks: number, kill: number) => boolean;
  /** Workers killed one after another (default 1). */
  kills?: number;
  /** What happens while no worker runs. */
  meanwhile?: (handle: WorkflowHandle) => Promise<void>;
  /** Health-check attempts lost with their workers: recorded as such, then one that passed. */
  lostChecks?: number;
}

const stepDone = (s: IncidentStatus, type: string) => events(s).some((e) => e === `step ${type} done`);

const ROWS: Row[] = [
  // Killed as the run starts: its first workflow task dies with the worker (see the history check below).
  { what: 'detect', stage: Stage.Detect, durations: {} },
  {
    what: 'decide, approved while no worker runs',
    stage: Stage.Decide,
    durations: { window: '5m' },
    // Once the question is out: a kill while it is being posted is a notifier fault, not this row.
    killWhen: (s) => s.stage === Stage.Decide && events(s).includes('Slack approval request sent'),
    // The server keeps the decision in the history until a worker runs again.
    meanwhile: (handle) => handle.signal(approveSignal, { by: APPROVER, reason: 'approved during the outage' }),
  },
  { what: 'drain', stage: Stage.Drain, durations: { drain: HELD }, killWhen: (s) => s.stage === Stage.Drain && stepDone(s, 'traffic.shift') },
  {
    what: 'roll back, between steps',
    stage: Stage.RollBack,
    durations: { wait: HELD },
    killWhen: (s) => s.stage === Stage.RollBack && stepDone(s, 'command.run'),
  },
  { what: 'verify, settling', stage: Stage.Verify, durations: { settle: HELD }, killWhen: (s) => s.stage === Stage.Verify },
  // A slow service: the health check is in flight when the worker dies; the lost probe is made again.
  {
    what: 'verify, health check in flight',
    stage: Stage.Verify,
    durations: { healthDelay: 3000 },
    killWhen: (s, checks) => s.stage === Stage.Verify && checks > 0,
  },
  // Both tries of the probe die with their workers: an attempt that could not check, then the plan's next attempt.
  {
    what: 'verify, health check in flight on two workers in turn',
    stage: Stage.Verify,
    durations: { healthDelay: 3000 },
    kills: 2,
    killWhen: (s, checks, kill) => s.stage === Stage.Verify && checks >= kill,
    lostChecks: 1,
  },
  { what: 'monitor', stage: Stage.Monitor, durations: { interval: '4s' }, killWhen: (s) => s.stage === Stage.Monitor },
];

test.concurrent.each(ROWS)('worker SIGKILL in $what: the run completes on a new worker, each side effect once, the record matches the targets', async (row) => {
  const taskQueue = uniqueName(`crash-${row.stage}`);
  const world = join(process.env.ROLLBACK_TEST_DIR!, uniqueName('world'));
  mkdirSync(world, { recursive: true });
  const flags = await flagFile({ new_checkout: true });
  // The canary before the incident: everything on the treatment.
  const nginx = await startNginx({
    upstreams: `upstream checkout {\n    server ${treatment.address} weight=1;\n    server ${control.address} down;\n}\n`,
    routes: { '/': 'checkout' },
  });
  const plan = matrixPlan(world, flags, nginx, taskQueue, { ...QUICK, ...row.durations });
  const env = {
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLAG_STORE_PATH: flags,
    STATE_DIR: join(world, 'state'),
    SLACK_BOT_TOKEN: SLACK_TEST_TOKEN,
    SLACK_API_URL: slack.url,
  };
  const spawnWorker = () => {
    const worker = spawnWorkerProcess(env);
    workers.push(worker);
    return worker;
  };
  const kill = async (worker: ChildProcess) => {
    const gone = exited(worker);
    worker.kill('SIGKILL');
    expect(await gone).toBe('SIGKILL');
  };

  let handle: WorkflowHandle<RollbackWorkflow>;
  const killWhen = row.killWhen;
  if (killWhen) {
    handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
    for (let k = 1; k <= (row.kills ?? 1); k++) {
      const doomed = spawnWorker();
      const seen = await eventually(
        () => status(handle),
        (s) => killWhen(s, health.requests(taskQueue), k),
        60_000,
      );
      await kill(doomed);
      expect(seen.stage).toBe(row.stage);
    }
  } else {
    // Detect: the worker is polling when the alert arrives, and dies with the run's first task.
    const doomed = spawnWorker();
    let said = '';
    doomed.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await eventually(
      () => said,
      (out) => out.includes('polling'),
      60_000,
    );
    handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
    await kill(doomed);
  }
  await row.meanwhile?.(handle);

  const second = spawnWorker();
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
  // Checks as often as the plan says (once in verify, once per monitoring cycle); a lost probe says so.
  const lost = row.lostChecks ?? 0;
  expect(record.checks.map((c) => `${c.check} ${c.ok ? 'passed' : 'failed'} after ${c.attempts.length}`)).toEqual([
    `health passed after ${lost + 1}`,
    'health passed after 1',
    'health passed after 1',
  ]);
  for (const attempt of record.checks[0].attempts.slice(0, lost)) expect(attempt.error).toMatch(/^could not check: /);
  expect(events(result).filter((e) => e.startsWith('monitoring cycle'))).toEqual(['monitoring cycle 1/2 clean', 'monitoring cycle 2/2 clean']);
  await nginx.stop();
});

test('worker SIGKILL in the middle of a step (a command running, no timer): the command dies with it, a new worker runs the step again, the record says resumed', async () => {
  const taskQueue = uniqueName('crash-mid-step');
  const world = join(process.env.ROLLBACK_TEST_DIR!, uniqueName('world'));
  mkdirSync(world, { recursive: true });
  const flags = await flagFile({ new_checkout: true });
  const name = uniqueName('mid-step-plan');
  const plan = parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${name}
targets: { services: [{ name: checkout }] }
triggers: [{ name: Outage, kind: health, condition: { check: health, consecutiveFailures: 3 } }]
decisions: [{ name: main, triggers: [Outage], rules: [{ outcome: { action: rollback, level: 1 } }] }]
authority: { roles: {}, decide: [{ system: true }] }
levels:
  - level: 1
    name: a deploy that takes a while, then the flag
    steps:
      - { type: command.run, name: deploy, command: 'echo "start $$" >> deploy.log; sleep 5; echo "end $$" >> deploy.log', timeout: 1m }
      - { type: flag.disable, flag: new_checkout }
    checks: [health]
checks: { health: { type: http, url: "${health.url}?run=${taskQueue}", attempts: 1, timeout: 5s } }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
  commands: { cwd: ${JSON.stringify(world)} }
notifications: { templates: {} }
`,
    `${name}.yaml`,
  );
  const env = { TEMPORAL_TASK_QUEUE: taskQueue, FLAG_STORE_PATH: flags, STATE_DIR: join(world, 'state') };
  const deployLog = join(world, 'deploy.log');
  const lines = () => (existsSync(deployLog) ? readFileSync(deployLog, 'utf8').trim().split('\n') : []);

  const first = spawnWorkerProcess(env);
  workers.push(first);
  const handle = await startRun(client, taskQueue, plan, 'Outage');
  // The deploy has started and not finished: the worker dies in the middle of it.
  await eventually(
    () => lines(),
    (l) => l.length === 1,
    60_000,
  );
  const gone = exited(first);
  first.kill('SIGKILL');
  expect(await gone).toBe('SIGKILL');
  const firstAttempt = lines()[0].split(' ')[1];

  const second = spawnWorkerProcess(env);
  workers.push(second);
  const result = await handle.result();
  const record = await handle.query(recordQuery);
  second.kill('SIGTERM');
  await exited(second);

  expect(result.outcome).toBe(Outcome.RolledBack);
  expect(record.steps.map((s) => [s.type, s.ok])).toEqual([
    ['command.run', true],
    ['flag.disable', true],
  ]);
  expect(record.steps[0].details).toMatchObject({ resumed: true });
  expect(record.steps[1].details?.resumed).toBeUndefined();
  expect((await readFlagFile(flags)).flags.new_checkout?.enabled).toBe(false);
  // The step's activity finished on the second worker, as its retry.
  const history = await handle.fetchHistory();
  const started = history.events?.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes] : [])) ?? [];
  const deploy = started.find((a) => a.attempt !== undefined && a.attempt !== null && a.attempt > 1);
  expect(deploy?.identity).toMatch(new RegExp(`^${second.pid}@`));
  // The first attempt's command died with its worker (it never ended); the retry ran it from the start, to its end.
  expect(lines()).toEqual([`start ${firstAttempt}`, expect.stringMatching(/^start \d+$/), expect.stringMatching(/^end \d+$/)]);
  expect(lines()[2]).toBe(lines()[1].replace('start', 'end'));
});
