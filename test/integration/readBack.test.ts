// A step records what its target says after acting, and fails when the target did not take
// the change — against real routers: an HAProxy whose receiving pool fails its health
// checks (the runtime API accepts the weights, traffic stays where it was), and an nginx
// whose master does not reload.
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { HaproxyRouter } from '../../src/adapters/traffic/haproxy';
import { NginxRouter } from '../../src/adapters/traffic/nginx';
import type { RunStepInput } from '../../src/activities/stepActions';
import { startBackend, startHaproxy, startNginx, stopAll, tally, waitFor, type Backend } from '../support/servers';
import { step, stepWorld } from '../support/stepDeps';

let treatment: Backend;

beforeAll(async () => {
  treatment = await startBackend('treatment');
});

afterAll(async () => {
  await stopAll();
  await treatment?.stop();
});

const shift = (world: Awaited<ReturnType<typeof stepWorld>>, percent: number): RunStepInput => ({
  incidentId: 'inc-readback',
  stepKey: `L1#1/${percent}`,
  step: step({ type: 'traffic.shift', service: 'checkout', to: 'control', percent }),
  environment: 'production',
  dryRun: false,
  adapters: world.adapters(),
});

test('HAProxy: a shift to a pool whose servers are DOWN fails, and the record says where traffic really goes', async () => {
  // The control pool's server answers nowhere: HAProxy's health check marks it DOWN.
  const haproxy = await startHaproxy({
    backends: { checkout: { 'control-1': { address: '127.0.0.1:9', check: true }, 'treatment-1': { address: treatment.address, weight: 1, check: true } } },
  });
  const router = new HaproxyRouter({
    socket: haproxy.socket,
    services: { checkout: { backend: 'checkout', pools: { control: ['control-1'], treatment: ['treatment-1'] } } },
  });
  await waitFor(async () => (await router.readBack('checkout')).idle?.['control-1'] !== undefined);
  const world = await stepWorld({ infra: { traffic: router } });

  const record = await world.activities.runStep(shift(world, 50));

  expect(record.ok).toBe(false);
  expect(record.summary).toMatch(
    /^shift 50% of checkout traffic to control did not take: HAProxy runtime API \(backend checkout\) says checkout: control 0 %, treatment 100 % \(idle: control-1 DOWN/,
  );
  expect(record.details).toMatchObject({ reported: expect.stringContaining('control 50 %'), readBack: { weights: { control: 0, treatment: 100 } } });
  // What the on-call would see: every request still lands on the treatment.
  expect(await tally(haproxy.url, 10)).toEqual({ treatment: 10 });
});

test('nginx: a master that does not reload leaves the step failed, with the file and workers as nginx has them', async () => {
  const control = await startBackend('control');
  const nginx = await startNginx({
    upstreams: `upstream checkout {\n    server ${treatment.address} weight=1;\n    server ${control.address} down;\n}\n`,
    routes: { '/': 'checkout' },
  });
  const router = new NginxRouter({
    conf: nginx.conf,
    upstreamFile: nginx.upstreamFile,
    binary: nginx.binary,
    reloadTimeoutMs: 1500,
    services: { checkout: { pools: { control: [control.address], treatment: [treatment.address] } } },
  });
  const world = await stepWorld({ infra: { traffic: router } });
  const master = Number(readFileSync(nginx.pidFile, 'utf8').trim());
  process.kill(master, 'SIGSTOP'); // a hung master: the reload signal waits, no new workers start
  let record;
  try {
    record = await world.activities.runStep(shift(world, 100));
  } finally {
    process.kill(master, 'SIGCONT');
  }
  expect(record.ok).toBe(false);
  expect(record.summary).toContain('nginx did not start workers with the new upstreams');
  expect(record.details?.readBack).toMatchObject({ weights: { control: 0, treatment: 100 }, source: `nginx upstream file ${nginx.upstreamFile}`, live: false });
  expect(await readFile(nginx.upstreamFile, 'utf8')).toContain(`server ${control.address} down;`);
  expect(await tally(nginx.url, 6)).toEqual({ treatment: 6 });
  await control.stop();
});

test('nginx: after a shift that took, the record reads back the new weights from live workers', async () => {
  const control = await startBackend('control');
  const nginx = await startNginx({
    upstreams: `upstream checkout {\n    server ${treatment.address} weight=1;\n    server ${control.address} down;\n}\n`,
    routes: { '/': 'checkout' },
  });
  const router = new NginxRouter({
    conf: nginx.conf,
    upstreamFile: nginx.upstreamFile,
    binary: nginx.binary,
    services: { checkout: { pools: { control: [control.address], treatment: [treatment.address] } } },
  });
  const world = await stepWorld({ infra: { traffic: router } });
  const record = await world.activities.runStep(shift(world, 100));
  expect(record).toMatchObject({ ok: true, details: { readBack: { weights: { control: 100, treatment: 0 }, live: true } } });

  // Someone edits the file and does not reload: nginx says so.
  const text = await readFile(nginx.upstreamFile, 'utf8');
  await new Promise((r) => setTimeout(r, 100)); // later than the workers' start, by more than /proc's clock ticks
  await writeFile(nginx.upstreamFile, text);
  expect(await router.readBack('checkout')).toMatchObject({ live: false });
  await control.stop();
});
