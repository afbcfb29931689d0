// The API as its own process (src/api/main.ts), as `npm start` and production run it:
// - a tokens file with a bad entry stops the boot with the entry named (issue 7, defect 14);
// - Temporal down (issue 7, defect 8): the API starts and /healthz answers anyway; with the
//   dev server hung (SIGSTOP) or SIGKILLed, reading an incident and posting an alert each
//   answer 503 with Retry-After within 2 s; once the server is back on the same SQLite file,
//   the same API process answers again.
import { expect } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startDevServer, stopChild, type DevServer } from '../../scripts/lib/devServer';
import { eventually, flagFile, spawnWorkerProcess, uniqueName } from '../support/harness';
import { alertmanagerPayload } from './alertPayload';

const ROOT = resolve(__dirname, '../..');
const children: ChildProcess[] = [];
const servers: DevServer[] = [];

afterAll(async () => {
  await Promise.all(children.map((c) => stopChild(c, 'SIGKILL')));
  await Promise.all(servers.map((s) => s.stop()));
});

function testDir(): string {
  return mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'api-process-'));
}

interface ApiProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, API_HOST: '127.0.0.1', API_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

interface Timed {
  status: number;
  retryAfter: string | null;
  body: { error?: string; incidents?: { incidentId: string }[]; plan?: string };
  ms: number;
}

async function timed(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as Timed['body'];
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body, ms: Math.round(performance.now() - started) };
}

test('a tokens file with a bad entry stops the API at boot, naming the entry and the reason', async () => {
  const dir = testDir();
  const tokens = join(dir, 'tokens.yaml');
  writeFileSync(tokens, 'tokens:\n  - name: oncall\n    scopes: [incidents:read, incidents:decide]\n    tokenEnv: ONCALL_TOKEN\n');
  const api = await spawnApi({ API_TOKENS_FILE: tokens, ONCALL_TOKEN: 'o'.repeat(32), TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(await api.exited).toBe(1);
  expect(api.output()).toContain(`invalid tokens file ${tokens} (API_TOKENS_FILE)`);
  expect(api.output()).toContain('tokens[0].person: a token with incidents:decide must name its person');
});

test('Temporal down: the API starts, answers 503 + Retry-After within 2 s, and recovers when the server is back', async () => {
  const dir = testDir();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const devServer = () => startDevServer({ port, dbFile: join(dir, 'temporal.sqlite'), logFile: join(dir, 'temporal.log') });
  const taskQueue = uniqueName('tq-down');
  const alertToken = 'a'.repeat(32);
  const readerToken = 'r'.repeat(32);
  writeFileSync(
    join(dir, 'tokens.yaml'),
    'tokens:\n  - { name: alertmanager, scopes: [alerts:write], tokenEnv: ALERT_TOKEN }\n  - { name: reader, scopes: [incidents:read], tokenEnv: READER_TOKEN }\n',
  );
  const alert = (fingerprint: string) => ({
    method: 'POST',
    headers: { authorization: `Bearer ${alertToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(alertmanagerPayload({ alertname: 'CheckoutErrorRateHigh', plan: 'checkout-demo', fingerprint })),
  });
  const reader = { headers: { authorization: `Bearer ${readerToken}` } };
  const workerEnv = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLAG_STORE_PATH: await flagFile({ new_checkout: true }),
    STATE_DIR: join(dir, 'worker-state'),
  };

  // The API starts before Temporal does.
  const api = await spawnApi({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_TOKENS_FILE: join(dir, 'tokens.yaml'),
    ALERT_TOKEN: alertToken,
    READER_TOKEN: readerToken,
  });
  await eventually(
    () => timed(`${api.url}/healthz`),
    (r) => r.status === 200,
  );
  const early = await timed(`${api.url}/v1/incidents/rollback-anything`, reader);
  expect({ status: early.status, retryAfter: early.retryAfter }).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });

  // Temporal comes up: the same API process starts a run and reads it.
  let server = await devServer();
  servers.push(server);
  const worker = spawnWorkerProcess(workerEnv);
  children.push(worker);
  const posted = await eventually(
    () => timed(`${api.url}/v1/alerts/alertmanager`, alert('d0e5000000000001')),
    (r) => r.status < 300,
  );
  const incidentId = posted.body.incidents?.[0]?.incidentId;
  expect(incidentId).toBeDefined();
  await eventually(
    () => timed(`${api.url}/v1/incidents/${incidentId}`, reader),
    (r) => r.status === 200,
  );

  // The dev server hangs (stopped, its connections open): the calls' deadlines answer.
  server.child.kill('SIGSTOP');
  const hungRead = await timed(`${api.url}/v1/incidents/${incidentId}`, reader);
  const hungPost = await timed(`${api.url}/v1/alerts/alertmanager`, alert('d0e5000000000003'));
  server.child.kill('SIGCONT');
  for (const answer of [hungRead, hungPost]) {
    expect({ status: answer.status, retryAfter: answer.retryAfter, error: answer.body.error }).toEqual({
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/),
      error: expect.stringContaining('Temporal did not answer in time'),
    });
    expect(answer.ms).toBeLessThan(2000);
  }
  console.log(`Temporal hung: GET incident 503 in ${hungRead.ms} ms, POST alert 503 in ${hungPost.ms} ms`);
  await eventually(
    () => timed(`${api.url}/v1/incidents/${incidentId}`, reader),
    (r) => r.status === 200,
  );

  // The dev server dies.
  await stopChild(worker, 'SIGKILL');
  await stopChild(server.child, 'SIGKILL');
  const read = await timed(`${api.url}/v1/incidents/${incidentId}`, reader);
  const post = await timed(`${api.url}/v1/alerts/alertmanager`, alert('d0e5000000000002'));
  for (const answer of [read, post]) {
    expect({ status: answer.status, retryAfter: answer.retryAfter, error: answer.body.error }).toEqual({
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/),
      error: expect.stringContaining('Temporal'),
    });
    expect(answer.ms).toBeLessThan(2000);
  }
  console.log(`Temporal down: GET incident 503 in ${read.ms} ms, POST alert 503 in ${post.ms} ms (before the first start: ${early.ms} ms): ${post.body.error}`);
  expect(await timed(`${api.url}/healthz`)).toMatchObject({ status: 200 });

  // Back on the same SQLite file: the run is still there and the API, never restarted, reads it.
  server = await devServer();
  servers.push(server);
  children.push(spawnWorkerProcess(workerEnv));
  const again = await eventually(
    () => timed(`${api.url}/v1/incidents/${incidentId}`, reader),
    (r) => r.status === 200,
  );
  expect(again.body).toMatchObject({ plan: 'checkout-demo', service: 'checkout' });
  expect(api.child.exitCode).toBeNull();
});
