// NginxRouter against a real nginx: what the on-call sees is where requests land.
import { readFile } from 'node:fs/promises';
import { NginxRouter } from '../../../src/adapters/traffic/nginx';
import { RefusedError } from '../../../src/adapters/errors';
import { caught } from '../../support/caught';
import { startBackend, startNginx, stopAll, tally, waitFor, type Backend, type NginxServer } from '../../support/servers';

describe('NginxRouter (real nginx)', () => {
  let control: Backend;
  let treatment: Backend;
  let nginx: NginxServer;
  let router: NginxRouter;

  beforeAll(async () => {
    control = await startBackend('control');
    treatment = await startBackend('treatment');
    // The canary state before the incident: everything on the treatment.
    nginx = await startNginx({
      upstreams: `upstream checkout {\n    keepalive 4;\n    server ${treatment.address} weight=1;\n    server ${control.address} down;\n}\n`,
      routes: { '/': 'checkout' },
    });
    router = new NginxRouter({
      conf: nginx.conf,
      upstreamFile: nginx.upstreamFile,
      statusUrl: nginx.statusUrl,
      binary: nginx.binary,
      services: { checkout: { pools: { control: [control.address], treatment: [treatment.address] } } },
    });
  });

  afterAll(async () => {
    await stopAll();
    await Promise.all([control?.stop(), treatment?.stop()]);
  });

  it('reads the current weights from the upstream file', async () => {
    await expect(router.weights('checkout')).resolves.toEqual({ control: 0, treatment: 100 });
    expect(await tally(nginx.url, 4)).toEqual({ treatment: 4 });
  });

  it('after shift to control 100 %, every request lands on control', async () => {
    const record = await router.shift('checkout', 'control', 100);
    expect(record).toMatchObject({
      ok: true,
      exitCode: 0,
      details: { previous: { control: 0, treatment: 100 }, weights: { control: 100, treatment: 0 }, reloadConfirmed: true },
    });
    expect(record.summary).toContain('control 100 %');
    expect(await tally(nginx.url, 20)).toEqual({ control: 20 });
    await expect(router.weights('checkout')).resolves.toEqual({ control: 100, treatment: 0 });
    // nginx wants weights ≥ 1: the 0 % pool is marked down; other directives stay.
    const file = await readFile(nginx.upstreamFile, 'utf8');
    expect(file).toContain(`server ${treatment.address} down;`);
    expect(file).toContain('keepalive 4;');
  });

  it('at 50 % both pools get traffic', async () => {
    await router.shift('checkout', 'control', 50);
    const seen = await tally(nginx.url, 20);
    expect(seen.control).toBe(10);
    expect(seen.treatment).toBe(10);
    await expect(router.weights('checkout')).resolves.toEqual({ control: 50, treatment: 50 });
  });

  it('is safe to repeat (a retried activity reloads again and lands in the same state)', async () => {
    await router.shift('checkout', 'control', 100);
    const again = await router.shift('checkout', 'control', 100);
    expect(again.ok).toBe(true);
    expect(await tally(nginx.url, 10)).toEqual({ control: 10 });
  });

  it('counts held requests as active, and they finish on the old workers after a reload', async () => {
    await expect(router.activeRequests('checkout')).resolves.toBe(0);
    control.hold();
    const inFlight = [fetch(nginx.url), fetch(nginx.url), fetch(nginx.url)];
    await waitFor(() => control.held === 3);
    await expect(router.activeRequests('checkout')).resolves.toBe(3);
    // A shift while requests are in flight does not cut them off (graceful reload).
    await router.shift('checkout', 'treatment', 100);
    control.release();
    const bodies = await Promise.all(inFlight.map(async (r) => (await r).text()));
    expect(bodies).toEqual(['control', 'control', 'control']);
    expect(await tally(nginx.url, 6)).toEqual({ treatment: 6 });
    await waitFor(async () => (await router.activeRequests('checkout')) === 0);
  });

  it('refuses a config nginx -t rejects, restores the file and keeps serving', async () => {
    const broken = new NginxRouter({
      conf: nginx.conf,
      upstreamFile: nginx.upstreamFile,
      binary: nginx.binary,
      // Resolves nowhere: nginx -t fails with "host not found in upstream".
      services: { checkout: { pools: { control: [control.address], treatment: [treatment.address], ghost: ['no-such-host.invalid:80'] } } },
    });
    const before = await readFile(nginx.upstreamFile, 'utf8');
    const record = await broken.shift('checkout', 'ghost', 10);
    expect(record.ok).toBe(false);
    expect(record.exitCode).not.toBe(0);
    expect(record.output).toContain('no-such-host.invalid');
    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(before);
    expect(await tally(nginx.url, 4)).toEqual({ treatment: 4 });
  });

  it('refuses unknown services and pools, and percentages outside 0–100', async () => {
    expect(await caught(router.shift('payments', 'control', 100))).toBeInstanceOf(RefusedError);
    expect(await caught(router.shift('checkout', 'blue', 100))).toBeInstanceOf(RefusedError);
    expect(await caught(router.shift('checkout', 'control', 120))).toBeInstanceOf(RefusedError);
    // Taking the only pool to 0 % would mark every server down: nginx would answer 502.
    const single = new NginxRouter({
      conf: nginx.conf,
      upstreamFile: nginx.upstreamFile,
      binary: nginx.binary,
      services: { checkout: { pools: { all: [treatment.address, control.address] } } },
    });
    const refusal = await caught(single.shift('checkout', 'all', 0));
    expect(refusal).toBeInstanceOf(RefusedError);
    expect((refusal as Error).message).toContain('leaves no server up');
  });
});
