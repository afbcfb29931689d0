// Watched trigger → action, through the real chain: the demo service's stable and bad
// versions behind a real nginx, a real Prometheus scraping both every second, a load
// generator, and the plan's watcher evaluating every second (path (a) of issue 10). Each run
// sends half the traffic to the bad version and measures, from the moment the error rate has
// held for its window — by the metric samples' own timestamps (the evaluation's `since` +
// the window) — to the watcher firing (the desk opening the run), to the first action (the
// `traffic.shift` step starting), to traffic back on stable (the step done: nginx reloaded and
// read back), and to the first request the load generator saw answered by stable from then on.
import { readFileSync } from 'node:fs';
import { startWatching, stopWatching } from '../src/incidents/watch';
import { parsePlan } from '../src/validation/parse';
import { recordQuery, type RollbackWorkflow, watchIdFor, watchQuery } from '../src/workflows/messages';
import { generateLoad, startDemoWorld } from '../test/support/demoWorld';
import { envNumber, sleep, summary, watchMachine } from './measure';
import { startWorld } from './world';

const SERVICE = 'checkout';

export async function watchToAction() {
  const runs = envNumber('BENCH_WATCH_RUNS', 5);
  const holdS = envNumber('BENCH_WATCH_HOLD_S', 5);
  const demo = await startDemoWorld({ service: SERVICE, errorRate: 0.5 });
  const world = await startWorld('watch');
  const load = generateLoad(demo.nginx.url, 20, 600);
  try {
    // Seed 002's error-rate row (0.5 % held for its window) over the demo's metrics, watched every second.
    const plan = parsePlan(
      `
apiVersion: rollback-orchestrator/v1
name: bench-watch-${world.id}
targets: { services: [{ name: ${SERVICE} }] }
watch: { interval: 1s }
triggers:
  - name: ErrorRateCritical
    kind: metric
    category: automated
    condition:
      metric: error_rate
      query: sum(rate(demo_requests_errors_total[5s])) / sum(rate(demo_requests_total[5s]))
      op: ">"
      threshold: 0.5%
      for: ${holdS}s
decisions: [{ name: main, triggers: [ErrorRateCritical], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ when: { category: automated }, system: true }] }
levels: [{ level: 1, name: traffic back, steps: [{ type: traffic.shift, service: ${SERVICE}, to: stable, percent: 100 }] }]
adapters: ${JSON.stringify({ traffic: demo.traffic, metrics: { type: 'prometheus', url: demo.prometheus.url } })}
`,
      'bench-watch.yaml',
    );
    const watcher = world.client.workflow.getHandle(watchIdFor(plan.name, SERVICE, plan.targets.environment));
    const machine = watchMachine({
      worker: world.workerPid,
      temporalServer: world.serverPid,
      nginx: Number(readFileSync(demo.nginx.pidFile, 'utf8').trim()),
    });
    await startWatching(world.client, world.taskQueue, plan);
    const samples = { toFired: [] as number[], toFirstAction: [] as number[], toShifted: [] as number[], toObservedStable: [] as number[] };
    for (let run = 0; run < runs; run++) {
      // Quiet first: the watcher has seen the error rate at 0 (the last run's breach cleared).
      for (;;) {
        const view = await watcher.query(watchQuery);
        if (view.triggers[0]?.value === 0 && !view.triggers[0].episode) break;
        await sleep(250);
      }
      await demo.router.shift(SERVICE, demo.pools.bad, 50);
      let desk = await world.desk(plan, SERVICE).catch(() => undefined);
      while ((desk?.runs.length ?? 0) <= run) {
        await sleep(50);
        desk = await world.desk(plan, SERVICE).catch(() => undefined);
      }
      const handle = world.client.workflow.getHandle<RollbackWorkflow>(desk!.runs[run].incidentId);
      const result = await handle.result();
      if (result.outcome !== 'rolled-back') throw new Error(`run ${run + 1} ended ${result.outcome}`);
      const record = await handle.query(recordQuery);
      const evidence = record.alerts?.find((a) => a.evidence)?.evidence;
      const shift = record.steps.find((s) => s.type === 'traffic.shift');
      if (!evidence?.since || !shift?.ok) throw new Error(`run ${run + 1}: no evidence or no shift (${shift?.summary ?? 'missing'})`);
      const windowComplete = evidence.since + holdS * 1000;
      const shifted = Date.parse(shift.endedAt);
      // The first request from which on every answer came from stable.
      await sleep(1500);
      const answers = [...load.answers].sort((a, b) => a.sentAt - b.sentAt);
      let observed = answers.length;
      while (observed > 0 && answers[observed - 1].version === 'stable' && answers[observed - 1].status === 200) observed--;
      samples.toFired.push(Date.parse(desk!.runs[run].openedAt) - windowComplete);
      samples.toFirstAction.push(Date.parse(shift.startedAt) - windowComplete);
      samples.toShifted.push(shifted - windowComplete);
      if (observed < answers.length) samples.toObservedStable.push(answers[observed].sentAt - windowComplete);
    }
    await stopWatching(world.client, plan, 'bench done');
    return {
      sizes: { runs, holdSeconds: holdS, scrapeIntervalS: 1, watchIntervalS: 1, loadPerSecond: 20 },
      windowCompleteToFiredMs: summary(samples.toFired),
      windowCompleteToFirstActionMs: summary(samples.toFirstAction),
      windowCompleteToTrafficShiftedMs: summary(samples.toShifted),
      windowCompleteToFirstStableAnswerMs: summary(samples.toObservedStable),
      goalMs: 2000,
      machine: machine.stop(),
    };
  } finally {
    await load.stop();
    await world.close();
    await demo.stop();
  }
}
