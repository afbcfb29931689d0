// Alert → traffic shifted on a real nginx: from the webhook sent to the run's
// `traffic.shift` step done (its `endedAt` in the record; the shift includes nginx's
// reload), against NginxRouter.shift called directly on the same nginx.
import { readFileSync } from 'node:fs';
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import { NginxRouter } from '../src/adapters/traffic/nginx';
import { recordQuery, type RollbackWorkflow } from '../src/workflows/messages';
import { startBackend, startNginx, tally } from '../test/support/servers';
import { envNumber, median, round, summary, watchMachine } from './measure';
import { autoRollbackPlan, newEpisode, startWorld } from './world';

export async function nginx() {
  const runs = envNumber('BENCH_NGINX_RUNS', 20);
  const control = await startBackend('control');
  const treatment = await startBackend('treatment');
  const everythingOnTreatment = `upstream checkout {\n    server ${treatment.address} weight=1;\n    server ${control.address} down;\n}\n`;
  const server = await startNginx({ upstreams: everythingOnTreatment, routes: { '/': 'checkout' } });
  const world = await startWorld('nginx');
  try {
    const adapter = {
      conf: server.conf,
      upstreamFile: server.upstreamFile,
      statusUrl: server.statusUrl,
      binary: server.binary,
      services: { checkout: { pools: { control: [control.address], treatment: [treatment.address] } } },
    };
    const router = new NginxRouter(adapter);
    const plan = autoRollbackPlan(world, 'bench-nginx', ['{ type: traffic.shift, service: checkout, to: control, percent: 100 }'], {
      flags: { type: 'file', path: world.flags },
      traffic: { type: 'nginx', ...adapter },
    });
    await writeFlagFile(world.flags, { flags: {} });
    const app = world.api([plan]);
    const machine = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid, nginx: Number(readFileSync(server.pidFile, 'utf8').trim()) });
    const endToEnd: number[] = [];
    for (let run = 0; run < runs; run++) {
      await router.shift('checkout', 'treatment', 100);
      const sent = Date.now();
      if ((await world.alert(app, { alertname: 'ServiceDown', service: 'checkout' }, newEpisode())).status !== 202) throw new Error('alert refused');
      let view = await world.desk(plan, 'checkout');
      while (view.runs.length <= run) view = await world.desk(plan, 'checkout');
      const handle = world.client.workflow.getHandle<RollbackWorkflow>(view.runs[run].incidentId);
      const result = await handle.result();
      if (result.outcome !== 'rolled-back') throw new Error(`run ended ${result.outcome}`);
      const shift = (await handle.query(recordQuery)).steps.find((s) => s.type === 'traffic.shift');
      if (!shift?.ok) throw new Error(`shift step: ${shift?.summary ?? 'missing'}`);
      endToEnd.push(Date.parse(shift.endedAt) - sent);
      const seen = await tally(server.url, 4);
      if (seen.control !== 4) throw new Error(`after the run nginx still serves ${JSON.stringify(seen)}`);
    }
    const direct: number[] = [];
    for (let run = 0; run < runs; run++) {
      await router.shift('checkout', 'treatment', 100);
      const t = performance.now();
      const record = await router.shift('checkout', 'control', 100);
      direct.push(performance.now() - t);
      if (!record.ok) throw new Error(`direct shift: ${record.summary}`);
    }
    return {
      sizes: { runs },
      alertToShiftedMs: summary(endToEnd),
      directShiftMs: summary(direct),
      addedMs: round(median(endToEnd) - median(direct)),
      machine: machine.stop(),
    };
  } finally {
    await world.close();
    await server.stop();
    await Promise.all([control.stop(), treatment.stop()]);
  }
}
