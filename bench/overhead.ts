// Orchestration overhead: a level of K `command.run` steps run by the workflow, against the
// same step activity (`runStep` from createActivities) called directly, one step after the
// other. The workflow's time per step is the gap between consecutive steps' start times
// in the run's record, so it holds scheduling, the activity and the workflow task that
// follows it; a direct step is one awaited runStep call.
import { recordQuery, type RollbackWorkflow } from '../src/workflows/messages';
import { envNumber, historyPhases, median, round, summary, watchMachine } from './measure';
import { autoRollbackPlan, newEpisode, startWorld } from './world';

export async function overhead() {
  const steps = envNumber('BENCH_OVERHEAD_STEPS', 10);
  const runs = envNumber('BENCH_OVERHEAD_RUNS', 5);
  const world = await startWorld('overhead');
  try {
    const commands = Array.from({ length: steps }, (_, i) => `{ type: command.run, name: step ${i + 1}, command: "true" }`);
    const plan = autoRollbackPlan(world, 'bench-overhead', commands, { commands: { cwd: world.dir } });
    const app = world.api([plan]);
    const machine = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid });
    const byWorkflow: number[] = [];
    const activitySpan: number[] = [];
    const phases: Record<string, number[]> = {};
    for (let run = 0; run < runs; run++) {
      if ((await world.alert(app, { alertname: 'ServiceDown', service: 'checkout' }, newEpisode())).status !== 202) throw new Error('alert refused');
      let view = await world.desk(plan, 'checkout');
      while (view.runs.length <= run) view = await world.desk(plan, 'checkout');
      const handle = world.client.workflow.getHandle<RollbackWorkflow>(view.runs[run].incidentId);
      const result = await handle.result();
      if (result.outcome !== 'rolled-back') throw new Error(`run ended ${result.outcome}`);
      const done = (await handle.query(recordQuery)).steps.filter((s) => s.type === 'command.run');
      if (done.length !== steps) throw new Error(`expected ${steps} command steps, record has ${done.length}`);
      for (let i = 0; i + 1 < done.length; i++) byWorkflow.push(Date.parse(done[i + 1].startedAt) - Date.parse(done[i].startedAt));
      for (const s of done) activitySpan.push(Date.parse(s.endedAt) - Date.parse(s.startedAt));
      for (const [phase, ms] of Object.entries(historyPhases((await handle.fetchHistory()).events ?? []))) (phases[phase] ??= []).push(...ms);
    }
    const direct: number[] = [];
    const level = plan.levels[0];
    for (let run = 0; run < runs; run++) {
      for (let i = 0; i < level.steps.length; i++) {
        const t = performance.now();
        const record = await world.activities.runStep({
          incidentId: `direct-${run}`,
          stepKey: `direct-${run}/level-1/${i}`,
          step: level.steps[i],
          environment: plan.targets.environment,
          dryRun: false,
          adapters: plan.adapters,
        });
        if (!record.ok) throw new Error(`direct step failed: ${record.summary}`);
        direct.push(performance.now() - t);
      }
    }
    return {
      sizes: { steps, runs },
      workflowStepMs: summary(byWorkflow),
      workflowActivitySpanMs: summary(activitySpan),
      // Where a step's time goes, from the run's history (event times are the server's).
      historyPhasesMs: Object.fromEntries(Object.entries(phases).map(([phase, ms]) => [phase, summary(ms)])),
      directStepMs: summary(direct),
      addedPerStepMs: round(median(byWorkflow) - median(direct)),
      machine: machine.stop(),
    };
  } finally {
    await world.close();
  }
}
