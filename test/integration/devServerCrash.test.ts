// Fault matrix, server side: the Temporal dev server dies (SIGKILL) while a run waits in its
// decision window, and comes back on the same port and SQLite file. The worker keeps
// running. The default the run announced (roll back when nobody answers) fires at the
// deadline it announced — or, when the server was down across that deadline, as soon as the
// server is back. This file runs its own dev server: the shared one must not die.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, startDevServer, type DevServer, type DevServerOptions } from '../../scripts/lib/devServer';
import { readFlagFile, writeFlagFile } from '../../src/adapters/fileFlagStore';
import { flagFile, healthEndpoint, spawnWorkerProcess, uniqueName } from '../support/harness';
import { fixturePlan } from './fixturePlan';
import { startRun, waitForApprovalRequest } from './runs';

let options: DevServerOptions;
let server: DevServer;
let connection: Connection;
let client: Client;
let worker: ChildProcess;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let flags: string;
const taskQueue = uniqueName('server-crash');

beforeAll(async () => {
  const dir = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR!, 'own-server-'));
  options = { port: await freePort(), dbFile: join(dir, 'temporal.sqlite'), logFile: join(dir, 'temporal.log') };
  server = await startDevServer(options);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  health = await healthEndpoint(200);
  flags = await flagFile({ new_checkout: true });
  worker = spawnWorkerProcess({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLAG_STORE_PATH: flags,
    STATE_DIR: join(dir, 'worker-state'),
  });
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await connection?.close();
  await server?.stop();
  await health?.close();
});

/**
 * SIGKILL the dev server; `downForMs` later start it again on the same port and SQLite file.
 * Returns when the new process started and when it answered.
 */
async function crashAndRestart(downForMs = 0): Promise<{ restarted: number; serving: number }> {
  await server.kill();
  expect(server.child.signalCode).toBe('SIGKILL');
  if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
  const restarted = Date.now();
  server = await startDevServer(options);
  return { restarted, serving: Date.now() };
}

/** When the flag file says the rollback turned the flag off. */
async function flagTurnedOffAt(): Promise<number> {
  const flag = (await readFlagFile(flags)).flags.new_checkout;
  expect(flag?.enabled).toBe(false);
  return Date.parse(flag.updatedAt!);
}

beforeEach(async () => {
  // Each run starts from the incident's state: the flag on.
  await writeFlagFile(flags, { flags: { new_checkout: { enabled: true } } });
});

test('dev server killed and back within the window: the default fires at the announced deadline', async () => {
  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '15s', defaultAction: 'rollback' });
  const handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
  const asked = await waitForApprovalRequest(handle);
  const deadline = Date.parse(asked.pendingApproval!.deadline);

  const { serving } = await crashAndRestart();
  // Back before the deadline, or this test would be the other one.
  expect(serving).toBeLessThan(deadline - 1000);

  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'rolled-back', decision: { action: 'rollback', by: 'clock' } });
  const late = (await flagTurnedOffAt()) - deadline;
  console.log(`default fired: flag off ${late} ms after the announced deadline`);
  expect(late).toBeGreaterThanOrEqual(0);
  expect(late).toBeLessThan(2000);
});

test('dev server down across the deadline: the default fires as soon as it is back', async () => {
  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '3s', defaultAction: 'rollback' });
  const handle = await startRun(client, taskQueue, plan, 'ErrorRateHigh');
  const asked = await waitForApprovalRequest(handle);
  const deadline = Date.parse(asked.pendingApproval!.deadline);

  const { restarted, serving } = await crashAndRestart(Math.max(0, deadline - Date.now()) + 3000);
  expect(restarted).toBeGreaterThan(deadline + 3000);

  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'rolled-back', decision: { action: 'rollback', by: 'clock' } });
  const off = await flagTurnedOffAt();
  console.log(
    `default fired: flag off ${off - restarted} ms after the server restarted, ${off - serving} ms after it answered our probe (it took ${serving - restarted} ms to start; the deadline had passed ${restarted - deadline} ms before)`,
  );
  expect(off).toBeGreaterThan(restarted);
  // Promptly, not a window or a retry schedule later: the worker's reconnect backoff (and a
  // loaded CI machine) may take a few seconds; our probe may notice the server after the worker does.
  expect(off - serving).toBeLessThan(10_000);
  // The worker rode out both crashes.
  expect(worker.exitCode).toBeNull();
});
