// `npm run bench`: numbers that matter to an on-call, printed as JSON.
// - plan loading and decision lookups (pure: how fast the API refuses or routes an alert);
// - end to end on a real dev server: alert accepted by the API → run rolled back and
//   verified (the engine's own overhead; the plan's windows are zero here).
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import { Credentials, Scope } from '../src/api/auth';
import { buildApp } from '../src/api/app';
import { readConfig, WorkerEnv } from '../src/config';
import { loadPlanDirectory } from '../src/plan/files';
import { parsePlan } from '../src/plan/parse';
import { findDecision } from '../src/policy/decide';
import { activityDeps } from '../src/worker/deps';
import { deskIdFor, deskQuery } from '../src/workflows/messages';
import { freePort, startDevServer } from '../scripts/lib/devServer';

const ROOT = resolve(__dirname, '..');

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]!, mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

function timeIt(iterations: number, work: () => void): { opsPerSecond: number; usPerOp: number } {
  for (let i = 0; i < Math.min(100, iterations); i++) work(); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) work();
  const ns = Number(process.hrtime.bigint() - started);
  return { opsPerSecond: Math.round((iterations * 1e9) / ns), usPerOp: ns / iterations / 1000 };
}

function pureBenchmarks() {
  const plans = loadPlanDirectory(resolve(ROOT, 'plans'));
  const lens = plans.get('lens-sprint1-canary')!;
  const genesis = plans.get('genesis-phase4')!;
  const genesisText = readFileSync(resolve(ROOT, 'plans/genesis-phase4.yaml'), 'utf8');
  return {
    parsePlanGenesis: timeIt(200, () => parsePlan(genesisText, 'genesis-phase4.yaml')),
    decide002CanaryMatrix: timeIt(20_000, () => findDecision(lens, { trigger: 'NdcgRegression', phase: '50%' })),
    decide004MetricBands: timeIt(20_000, () => findDecision(genesis, { trigger: 'ErrorRate', value: 0.005 })),
  };
}

async function endToEnd(runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'rollback-bench-'));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ port: await freePort(), dbFile: join(dir, 'temporal.sqlite'), logFile: join(dir, 'temporal.log') });
  const flags = join(dir, 'flags.json');
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const { code } = await bundleWorkflowCode({ workflowsPath: resolve(ROOT, 'src/workflows'), logger: new DefaultLogger('ERROR') });
    const config = readConfig(WorkerEnv, { FLAG_STORE_PATH: flags, STATE_DIR: join(dir, 'state') });
    const taskQueue = 'bench';
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: { code }, activities: createActivities(activityDeps(config, {})) });
    const running = worker.run();
    const clientConnection = await Connection.connect({ address: server.address });
    const client = new Client({ connection: clientConnection });
    const plan = parsePlan(
      `
apiVersion: rollback-orchestrator/v1
name: bench
targets: { services: [{ name: checkout }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels: [{ level: 1, name: kill switch, steps: [{ type: flag.disable, flag: new_checkout }], checks: [health] }]
checks: { health: { type: command, command: "true" } }
adapters: { flags: { type: file, path: ${JSON.stringify(flags)} } }
`,
      'bench.yaml',
    );
    const token = randomBytes(16).toString('hex');
    const credentials = Credentials.fromTokens([{ name: 'bench', token, scopes: [Scope.AlertsWrite] }]);
    const app = buildApp({ client, plans: new Map([[plan.name, plan]]), credentials, taskQueue, now: Date.now });
    const accept: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < runs; i++) {
      await writeFlagFile(flags, { flags: { new_checkout: { enabled: true } } });
      const fingerprint = randomBytes(8).toString('hex');
      const started = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/alerts/alertmanager',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          version: '4', groupKey: 'g', status: 'firing', receiver: 'r', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status: 'firing', labels: { alertname: 'ServiceDown', service: 'checkout' }, annotations: {}, startsAt: new Date().toISOString(), fingerprint }],
        }),
      });
      if (res.statusCode !== 202) throw new Error(`alert refused: ${res.body}`);
      accept.push(performance.now() - started);
      // The desk opens run n for the n-th new alert (each run has closed before the next alert).
      const desk = client.workflow.getHandle(deskIdFor(plan.name, 'checkout', plan.targets.environment));
      let view = await desk.query(deskQuery);
      while (view.runs.length <= i) view = await desk.query(deskQuery);
      const result = await client.workflow.getHandle(view.runs[i]!.incidentId).result();
      if (result.outcome !== 'rolled-back') throw new Error(`run ended ${result.outcome}`);
      total.push(performance.now() - started);
    }
    await app.close();
    worker.shutdown();
    await running;
    await clientConnection.close();
    await connection.close();
    return { alertAcceptedMs: stats(accept), alertToRolledBackMs: stats(total) };
  } finally {
    await server.stop();
  }
}

async function main() {
  const runs = Number(process.env.BENCH_RUNS ?? 20);
  const result = {
    machine: { node: process.version, cpus: cpus().length },
    pure: pureBenchmarks(),
    endToEnd: await endToEnd(runs),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
