// Breach → action through Prometheus and Alertmanager (the path teams that keep their
// Alertmanager take, with the rules `rollback plan rules` writes): seed 002's error-rate row
// on the demo world (test/support/alertChain.ts). The clock starts when the condition has
// held for its hold window, by Prometheus's own samples; it stops at the rule firing (the
// alert's startsAt), the alert reaching a run, the decision, the first step starting, nginx
// serving stable only (the shift step done, read back), and the load generator's first
// request of the run of answers that all came from stable.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import type { MetricTrigger, Plan } from '../src/plan/schema';
import { recordQuery, type DeskView, type RollbackWorkflow } from '../src/workflows/messages';
import { ALERTMANAGER_TIMINGS, LENS_SERVICE, LENS_TRIGGER, lensPlan, PROMETHEUS_TIMINGS, startAlertChain, windowCompletedAt } from '../test/support/alertChain';
import { generateLoad, type Answer } from '../test/support/demoWorld';
import { envNumber, sleep, summary, watchMachine } from './measure';
import { startWorld, type World } from './world';

const POOLS = { stable: 'control', bad: 'treatment' };

async function firstRun(world: World, plan: Plan, timeoutMs: number): Promise<DeskView['runs'][number]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The desk does not exist until the first alert reaches the API.
    const view = await world.desk(plan, LENS_SERVICE).catch(() => undefined);
    if (view?.runs.length) return view.runs[0];
    if (Date.now() > deadline) throw new Error(`no run for ${plan.name} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** When the load generator's answers came from stable only: the first request sent after the last one that did not. */
function stableFrom(answers: readonly Answer[], after: number): number | undefined {
  const sent = answers.filter((a) => a.sentAt >= after);
  let first = sent.length;
  while (first > 0 && sent[first - 1].version === 'stable' && sent[first - 1].status === 200) first--;
  return sent[first]?.sentAt;
}

export async function alertmanagerToAction() {
  const runs = envNumber('BENCH_ALERTMANAGER_RUNS', 5);
  const holdWindow = process.env.BENCH_ALERTMANAGER_HOLD ?? '10s';
  const world = await startWorld('alertmanager');
  const plans = new Map<string, Plan>();
  const app = world.api(plans);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const machine = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid });
  const fromWindow = {
    ruleFired: [] as number[],
    alertReachedRun: [] as number[],
    decided: [] as number[],
    firstAction: [] as number[],
    trafficShifted: [] as number[],
    stableObserved: [] as number[],
  };
  try {
    for (let run = 0; run < runs; run++) {
      const name = `bench-am-${world.id}-${run}`;
      const chain = await startAlertChain({
        plan: lensPlan(name, holdWindow),
        service: LENS_SERVICE,
        apiUrl,
        token: world.alertsToken,
        world: { service: LENS_SERVICE, pools: POOLS, metricPrefix: 'lens', errorRate: 0.5 },
      });
      try {
        const dir = join(world.dir, name);
        mkdirSync(dir, { recursive: true });
        await writeFlagFile(world.flags, { flags: { hedging: { enabled: true }, ta_nra_optimization: { enabled: true } } });
        const plan = lensPlan(name, holdWindow, { nginxUrl: chain.world.nginx.url, traffic: chain.world.traffic, flags: world.flags, dir });
        plans.set(name, plan);
        const load = generateLoad(chain.world.nginx.url, 20, 120);
        const badFrom = Date.now();
        await chain.world.router.shift(LENS_SERVICE, POOLS.bad, 50);
        const { incidentId } = await firstRun(world, plan, 120_000);
        const handle = world.client.workflow.getHandle<RollbackWorkflow>(incidentId);
        const result = await handle.result();
        if (result.outcome !== 'rolled-back') throw new Error(`run ended ${result.outcome}`);
        const record = await handle.query(recordQuery);
        const answers = await load.stop();
        const shift = record.steps.find((s) => s.type === 'traffic.shift');
        if (!shift?.ok) throw new Error(`shift step: ${shift?.summary ?? 'missing'}`);
        const trigger = plan.triggers.find((t) => t.name === LENS_TRIGGER) as MetricTrigger;
        const held = await windowCompletedAt(chain.world.prometheus.url, trigger, badFrom - 5_000, Date.parse(shift.startedAt));
        const stable = stableFrom(answers, Date.parse(shift.startedAt));
        if (stable === undefined) throw new Error('the load generator saw no request answered by stable after the shift');
        const since = (iso: string | undefined) => Date.parse(iso!) - held.completedAt;
        // Prometheus sends a firing alert with startsAt = when it fired (the evaluation that found the window complete).
        fromWindow.ruleFired.push(since(record.alerts?.[0]?.startsAt));
        fromWindow.alertReachedRun.push(since(record.milestones.detected));
        fromWindow.decided.push(since(record.decision?.at));
        fromWindow.firstAction.push(since(record.steps[0].startedAt));
        fromWindow.trafficShifted.push(since(shift.endedAt));
        fromWindow.stableObserved.push(stable - held.completedAt);
      } finally {
        await chain.stop();
      }
    }
    return {
      sizes: { runs, holdWindow },
      timings: { prometheus: PROMETHEUS_TIMINGS, alertmanager: ALERTMANAGER_TIMINGS },
      fromWindowCompleteMs: Object.fromEntries(Object.entries(fromWindow).map(([k, v]) => [k, summary(v)])),
      machine: machine.stop(),
    };
  } finally {
    await world.close();
  }
}
