// One scenario's world: a dev server of its own, a worker on it (its own process, as
// `npm start` runs it, so its memory and CPU are its own), a client, and the API
// (`buildApp`, as `npm start` builds it) with an alerts token. Each scenario gets a fresh
// server so that its history and load do not spill into the next one — unless
// TEMPORAL_ADDRESS names a server to measure instead (e.g. the Temporal server on PostgreSQL,
// ../shared/production-shape.md; BENCH_SERVER_PID lets the bench sample its memory). Names
// carry a run id, so runs on one long-lived server never meet each other's desks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createActivities, type Activities } from '../src/activities';
import { Credentials, Scope } from '../src/api/auth';
import { buildApp } from '../src/api/app';
import { readConfig, WorkerEnv } from '../src/config';
import { parsePlan } from '../src/validation/parse';
import type { Plan } from '../src/plan/schema';
import { activityDeps } from '../src/worker/deps';
import { bundleWorkflows } from '../src/worker/workflowCode';
import { deskIdFor, deskQuery, type DeskView } from '../src/workflows/messages';
import { freePort, startDevServer, stopChild } from '../scripts/lib/devServer';

const ROOT = resolve(__dirname, '..');

export interface World {
  dir: string;
  /** The flag file every plan of the bench points at. */
  flags: string;
  /** Unique to this world: plan names and the task queue carry it. */
  id: string;
  /** The worker's task queue (where the bench starts workflows of its own, such as watchers). */
  taskQueue: string;
  /** The Temporal server's process, when the bench can see it. */
  serverPid?: number;
  workerPid: number;
  client: Client;
  activities: Activities;
  /** Starts the API for these plans (call once per world); a Map may be filled in later. */
  api(plans: Plan[] | Map<string, Plan>): FastifyInstance;
  /** The API token with `alerts:write` (an Alertmanager's webhook credentials). */
  alertsToken: string;
  /** POST one Alertmanager webhook; resolves to the HTTP status. */
  /** Posts one alert; `coalesced` when the API joined it to an identical delivery moments ago. */
  alert(
    app: FastifyInstance,
    labels: Record<string, string>,
    alert: { fingerprint: string; startsAt: string },
  ): Promise<{ status: number; coalesced: boolean }>;
  desk(plan: Plan, service: string): Promise<DeskView>;
  close(): Promise<void>;
}

let bundle: Promise<string> | undefined;

/** The workflow bundle, built once for all scenarios (the worker does not bundle at start). */
function workflowCode(): Promise<string> {
  bundle ??= bundleWorkflows(new DefaultLogger('ERROR'));
  return bundle;
}

export async function startWorld(name: string): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), `rollback-bench-${name}-`));
  const code = await workflowCode();
  const external = process.env.TEMPORAL_ADDRESS;
  const server = external
    ? undefined
    : await startDevServer({ port: await freePort(), dbFile: join(dir, 'temporal.sqlite'), logFile: join(dir, 'temporal.log') });
  const address = external ?? server!.address;
  const serverPid = server?.child.pid ?? (process.env.BENCH_SERVER_PID ? Number(process.env.BENCH_SERVER_PID) : undefined);
  const id = randomBytes(3).toString('hex');
  const flags = join(dir, 'flags.json');
  const taskQueue = `bench-${name}-${id}`;
  const workerEnv = { FLAG_STORE_PATH: flags, STATE_DIR: join(dir, 'state'), TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue };
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  const worker = await startWorker({ ...workerEnv, WORKFLOW_BUNDLE: bundlePath }, join(dir, 'worker.log'));
  // The direct-call baselines run the same activities in this process, on the same files.
  const activities = createActivities(activityDeps(readConfig(WorkerEnv, workerEnv), {}));
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const token = randomBytes(16).toString('hex');
  const credentials = Credentials.fromTokens([{ name: 'bench', token, scopes: [Scope.AlertsWrite] }]);
  const apps: FastifyInstance[] = [];
  return {
    dir,
    flags,
    id,
    taskQueue,
    ...(serverPid ? { serverPid } : {}),
    workerPid: worker.pid!,
    client,
    activities,
    alertsToken: token,
    api(plans) {
      const app = buildApp({ client, plans: plans instanceof Map ? plans : new Map(plans.map((p) => [p.name, p])), credentials, taskQueue, now: Date.now });
      apps.push(app);
      return app;
    },
    async alert(app, labels, alert) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/alerts/alertmanager',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          version: '4',
          groupKey: 'g',
          status: 'firing',
          receiver: 'r',
          groupLabels: {},
          commonLabels: {},
          commonAnnotations: {},
          externalURL: 'http://am',
          alerts: [{ status: 'firing', labels, annotations: {}, startsAt: alert.startsAt, fingerprint: alert.fingerprint }],
        }),
      });
      const body = res.json<{ incidents?: { coalesced?: true }[] }>();
      return { status: res.statusCode, coalesced: body.incidents?.[0]?.coalesced === true };
    },
    desk(plan, service) {
      return client.workflow.getHandle(deskIdFor(plan.name, service, plan.targets.environment)).query(deskQuery);
    },
    async close() {
      await Promise.all(apps.map((a) => a.close()));
      await stopChild(worker);
      await clientConnection.close();
      await server?.stop();
    },
  };
}

/** The worker process (src/worker/main.ts) with `env` on top of ours; resolves once it polls. */
function startWorker(env: Record<string, string>, logFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/worker/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // All its output goes to the log (drained, or a chatty worker blocks on a full pipe).
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let output = '';
  return new Promise((done, fail) => {
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('worker: polling')) return;
      child.stdout.off('data', listen);
      child.stderr.off('data', listen);
      child.off('exit', exited);
      done(child);
    };
    const exited = (code: number | null) => fail(new Error(`the bench worker exited with ${code} before polling: ${output.slice(-2000)} (log: ${logFile})`));
    child.stdout.on('data', listen);
    child.stderr.on('data', listen);
    child.once('exit', exited);
  });
}

/** A health endpoint that always answers 200, for plans whose checks should cost nothing. */
export function healthEndpoint(): Promise<{ url: string; close(): void }> {
  const server = createServer((_req, res) => res.end('ok'));
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`, close: () => server.close() })),
  );
}

/** A fresh alert episode: a new fingerprint, starting now. */
export function newEpisode(): { fingerprint: string; startsAt: string } {
  return { fingerprint: randomBytes(8).toString('hex'), startsAt: new Date().toISOString() };
}

/**
 * A plan that rolls `checkout` back without asking when ServiceDown fires: one level of
 * `steps` (YAML flow mappings) and a health check that always passes, so a scenario measures
 * the engine and its steps, not a window or a check.
 */
export function autoRollbackPlan(world: World, name: string, steps: string[], adapters: Record<string, unknown>): Plan {
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${name}-${world.id}
targets: { services: [{ name: checkout }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels: [{ level: 1, name: ${name}, steps: [${steps.join(', ')}], checks: [health] }]
checks: { health: { type: command, command: "true" } }
adapters: ${JSON.stringify(adapters)}
`,
    `${name}.yaml`,
  );
}
