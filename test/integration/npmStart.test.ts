// `npm start` as a user runs it (scripts/dev.ts: its own Temporal dev server, worker and
// API), on free ports with its own data folder:
//   - issue 7 defect 13: the demo plan's health check follows API_PORT, so the README's
//     demo rolls back *and verifies* on a port other than 8080;
//   - issue 7 defect 12: kill -9 of the worker, the API or the dev server restarts that one
//     process while the others keep running (the API answers /healthz throughout the
//     worker's restart); Ctrl-C (SIGINT) still stops everything.
import { expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { freePort } from '../../scripts/lib/devServer';
import { recordQuery, watchIdFor, watchQuery } from '../../src/workflows/messages';
import { eventually } from '../support/harness';
import { alertmanagerPayload } from './alertPayload';

const ROOT = resolve(__dirname, '../..');
const TOKEN = 'npm-start-test-token-0123456789';

let dev: ChildProcess;
let output = '';
let dataDir: string;
let apiPort: number;
let temporalPort: number;
/** The demo's rolled-back run, once the first test has seen it finish. */
let demoRun: string | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid `npm start` printed for a process the n-th time it (re)started it. */
async function pidOf(name: string, nth = 1): Promise<number> {
  const pattern = new RegExp(`\\[npm start\\] ${name} (?:started|restarted) \\(pid (\\d+)`, 'g');
  const all = await eventually(
    () => [...output.matchAll(pattern)].map((m) => Number(m[1])),
    (pids) => pids.length >= nth,
    60_000,
  );
  return all[nth - 1];
}

async function healthz(): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${apiPort}/healthz`, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'npm-start-'));
  [apiPort, temporalPort] = [await freePort(), await freePort()];
  expect(apiPort).not.toBe(8080);
  dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_CLI: process.env.TEMPORAL_CLI,
      WORKFLOW_BUNDLE: process.env.WORKFLOW_BUNDLE,
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(await freePort()),
      API_TOKEN: TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await pidOf('API');
  await eventually(healthz, (status) => status === 200, 60_000);
}, 120_000);

afterAll(async () => {
  if (dev?.exitCode === null) {
    const gone = new Promise((done) => dev.once('exit', done));
    dev.kill('SIGINT');
    await gone;
  }
});

test('the README demo on API_PORT ≠ 8080: the flag is turned off and the health check verifies it', async () => {
  const answer = await fetch(`http://127.0.0.1:${apiPort}/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(alertmanagerPayload({ alertname: 'CheckoutDown', fingerprint: 'c0ffee0000000d13' })),
  });
  expect(answer.status).toBeLessThan(300);

  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const client = new Client({ connection });
    const finished = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const run of client.workflow.list({ query: `RollbackPlan = 'checkout-demo' AND ExecutionStatus = 'Completed'` })) ids.push(run.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
      90_000,
    );
    demoRun = finished[0];
    const record = await client.workflow.getHandle(demoRun).query(recordQuery);
    expect(record.outcome).toBe('rolled-back');
    expect(record.checks.find((c) => c.check === 'api-health')).toMatchObject({ ok: true, verdict: 'passed' });
    expect((await readFlagFile(join(dataDir, 'flags.json'))).flags.new_checkout?.enabled).toBe(false);
  } finally {
    await connection.close();
  }
}, 120_000);

test('the CLI finds the stack on its ports with no TEMPORAL_ADDRESS or TEMPORAL_PORT set (issue 11)', async () => {
  expect(demoRun).toBeDefined();
  const cli = spawn(resolve(ROOT, 'bin/rollback'), ['status', demoRun!], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  cli.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  cli.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const code = await new Promise<number | null>((done) => cli.once('exit', done));
  expect({ code, printed }).toMatchObject({ code: 0, printed: expect.stringMatching(/^outcome +rolled-back/m) });
}, 60_000);

test('npm start watches the plans that turn watching on: the demo plan is evaluated every tick, and nothing fires without a breach', async () => {
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const client = new Client({ connection });
    const view = await eventually(
      () =>
        client.workflow
          .getHandle(watchIdFor('demo-watched', 'demo', 'production'))
          .query(watchQuery)
          .catch(() => undefined),
      (v) => (v?.ticks ?? 0) >= 2,
      60_000,
    );
    // No demo Prometheus runs here: each tick is an Error reading (or no data), never a breach.
    expect(view!.triggers[0]).toMatchObject({ trigger: 'DemoErrorRateHigh', fired: false, incidents: [], evaluatedAt: expect.any(String) });
  } finally {
    await connection.close();
  }
}, 120_000);

test('kill -9 of the worker: it is restarted, and the API answers /healthz all the while', async () => {
  const worker = await pidOf('worker');
  const api = await pidOf('API');
  process.kill(worker, 'SIGKILL');
  const answers: number[] = [];
  let restarted = 0;
  while (!restarted) {
    answers.push(await healthz());
    if (output.includes('[npm start] worker restarted')) restarted = await pidOf('worker', 2);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(output).toContain('[npm start] worker exited (SIGKILL); restarting in 1s');
  expect(answers.length).toBeGreaterThan(5);
  expect(answers.every((status) => status === 200)).toBe(true);
  expect(restarted).not.toBe(worker);
  expect(alive(restarted)).toBe(true);
  expect(alive(api)).toBe(true);
  // The new worker reached the dev server and polls again.
  await eventually(
    () => output.match(/worker: polling/g)?.length ?? 0,
    (n) => n >= 2,
    60_000,
  );
}, 120_000);

test('kill -9 of the API: it comes back; the worker keeps running', async () => {
  const api = await pidOf('API');
  const worker = await pidOf('worker', 2);
  process.kill(api, 'SIGKILL');
  const back = await pidOf('API', 2);
  expect(back).not.toBe(api);
  await eventually(healthz, (status) => status === 200, 60_000);
  expect(output).toContain('[npm start] API exited (SIGKILL); restarting in 1s');
  expect(alive(worker)).toBe(true);
}, 120_000);

test('kill -9 of the dev server: it comes back on the same port and data; the API keeps answering', async () => {
  const temporal = await pidOf('Temporal dev server');
  const api = await pidOf('API', 2);
  process.kill(temporal, 'SIGKILL');
  await pidOf('Temporal dev server', 2);
  expect(await healthz()).toBe(200);
  expect(alive(api)).toBe(true);
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const client = new Client({ connection });
    let runs = 0;
    for await (const run of client.workflow.list({ query: `RollbackPlan = 'checkout-demo'` })) runs += run.workflowId ? 1 : 0;
    expect(runs).toBeGreaterThan(0);
  } finally {
    await connection.close();
  }
}, 120_000);

test('Ctrl-C stops them all', async () => {
  const pids = [await pidOf('Temporal dev server', 2), await pidOf('worker', 2), await pidOf('API', 2)];
  const exited = new Promise<number | null>((done) => dev.once('exit', (code) => done(code)));
  dev.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(pids.filter(alive)).toEqual([]);
  // The CLI no longer finds a stack here.
  expect(existsSync(join(dataDir, 'local-stack.json'))).toBe(false);
  // Stopped on purpose: nothing is restarted.
  expect(output.slice(output.indexOf('stopping worker, API and Temporal dev server'))).not.toContain('restarting');
}, 60_000);
