// End to end, one run at a time: alert accepted by the API → run rolled back and verified
// (the engine's own overhead; the plan's windows are zero here).
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import { type RollbackWorkflow } from '../src/workflows/messages';
import { envNumber, summary } from './measure';
import { autoRollbackPlan, newEpisode, startWorld } from './world';

export async function endToEnd() {
  const runs = envNumber('BENCH_RUNS', 20);
  const world = await startWorld('end-to-end');
  try {
    const plan = autoRollbackPlan(world, 'bench', ['{ type: flag.disable, flag: new_checkout }'], { flags: { type: 'file', path: world.flags } });
    const app = world.api([plan]);
    const accept: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < runs; i++) {
      await writeFlagFile(world.flags, { flags: { new_checkout: { enabled: true } } });
      const started = performance.now();
      const { status } = await world.alert(app, { alertname: 'ServiceDown', service: 'checkout' }, newEpisode());
      if (status !== 202) throw new Error(`alert refused: ${status}`);
      accept.push(performance.now() - started);
      // The desk opens run n for the n-th new alert (each run has closed before the next alert).
      let view = await world.desk(plan, 'checkout');
      while (view.runs.length <= i) view = await world.desk(plan, 'checkout');
      const result = await world.client.workflow.getHandle<RollbackWorkflow>(view.runs[i].incidentId).result();
      if (result.outcome !== 'rolled-back') throw new Error(`run ended ${result.outcome}`);
      total.push(performance.now() - started);
    }
    return { alertAcceptedMs: summary(accept), alertToRolledBackMs: summary(total) };
  } finally {
    await world.close();
  }
}
