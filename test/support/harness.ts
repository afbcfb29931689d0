// What integration tests share: a client, in-process or separate-process workers on their
// own task queue, a health endpoint whose answer the test sets, and waiting helpers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../src/activities';
import { writeFlagFile } from '../../src/adapters/fileFlagStore';
import { readConfig, WorkerEnv } from '../../src/config';
import { activityDeps } from '../../src/worker/deps';

const ROOT = resolve(__dirname, '../..');

// Keep test output readable: the worker's own logs only when something is wrong.
let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: integration tests run through jest global set-up');
  return address;
}

export async function connectClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestWorker {
  taskQueue: string;
  shutdown(): Promise<void>;
}

/** A worker in this process, on its own task queue, with the activities' adapters given. */
export async function startWorker(deps: ActivityDeps, taskQueue = uniqueName('tq')): Promise<TestWorker> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! },
    activities: createActivities(deps),
  });
  const running = worker.run();
  return {
    taskQueue,
    async shutdown() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

export interface Vendors {
  slackUrl?: string;
  pagerdutyUrl?: string;
  secrets?: Record<string, string>;
  flagStorePath: string;
}

export const SLACK_TEST_TOKEN = 'xoxb-test-token';

/** The same adapters the real worker builds (src/worker/deps.ts), pointed at the test's stand-ins. */
export function testDeps(vendors: Vendors): ActivityDeps {
  const config = readConfig(WorkerEnv, {
    FLAG_STORE_PATH: vendors.flagStorePath,
    STATE_DIR: join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', uniqueName('worker-state')),
    PAGERDUTY_EVENTS_URL: vendors.pagerdutyUrl ?? 'http://127.0.0.1:9',
    ...(vendors.slackUrl ? { SLACK_BOT_TOKEN: SLACK_TEST_TOKEN, SLACK_API_URL: vendors.slackUrl } : {}),
  });
  return activityDeps(config, { PATH: process.env.PATH, ...vendors.secrets });
}

/** A worker as its own OS process (`src/worker/main.ts`), so a test can kill it. */
export function spawnWorkerProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: temporalAddress(), WORKFLOW_BUNDLE: process.env.WORKFLOW_BUNDLE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function flagFile(flags: Record<string, boolean>): Promise<string> {
  const path = join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', `${uniqueName('flags')}.json`);
  await writeFlagFile(path, { flags: Object.fromEntries(Object.entries(flags).map(([k, enabled]) => [k, { enabled }])) });
  return path;
}

export interface HealthEndpoint {
  url: string;
  hits: () => number;
  setStatus(code: number): void;
  close(): Promise<void>;
}

/** An HTTP endpoint standing in for the service's health check; the test sets its answer. */
export async function healthEndpoint(initialStatus = 200): Promise<HealthEndpoint> {
  let status = initialStatus;
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'failing' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/health`,
    hits: () => hits,
    setStatus: (code) => {
      status = code;
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** What a workflow suite shares: a client, a health endpoint answering 200, a flag file and a worker using it. */
export interface SuiteWorld {
  client: Client;
  worker: TestWorker;
  health: HealthEndpoint;
  flags: string;
}

/** Starts a SuiteWorld before the suite's tests (handing it to `use`) and stops it after them. */
export function useSuiteWorld(initialFlags: Record<string, boolean>, use: (world: SuiteWorld) => void): void {
  let world: (SuiteWorld & { closeClient(): Promise<void> }) | undefined;
  beforeAll(async () => {
    const { client, close } = await connectClient();
    const health = await healthEndpoint(200);
    const flags = await flagFile(initialFlags);
    world = { client, closeClient: close, health, flags, worker: await startWorker(testDeps({ flagStorePath: flags })) };
    use(world);
  });
  afterAll(async () => {
    await world?.worker.shutdown();
    await world?.health.close();
    await world?.closeClient();
  });
}

/** Probes (a read that may be async) until `accept` takes the value; the last value and error tell why not. */
export async function eventually<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${lastError instanceof Error ? String(lastError) : JSON.stringify(lastError)}` : ''}`,
  );
}

export const HISTORIES_DIR = resolve(ROOT, 'test/fixtures/histories');

/**
 * With RECORD_HISTORIES=1 (`npm run record-histories`), saves the run's history (once finished) as
 * a replay fixture; the replay test then proves later workflow code still replays it.
 */
export async function keepHistory(handle: WorkflowHandle, name: string, options: { running?: boolean } = {}): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  // A long-lived workflow (a service desk) is kept as far as it got: replay takes partial histories too.
  if (!options.running) await handle.result();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // The CLI's JSON is the format historyFromJSON reads (and the Temporal UI downloads).
  const json = execFileSync(
    process.env.TEMPORAL_CLI ?? 'temporal',
    ['workflow', 'show', '--workflow-id', handle.workflowId, '--address', temporalAddress(), '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), json);
}
