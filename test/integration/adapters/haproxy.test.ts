// HaproxyRouter against a real HAProxy: runtime weights change and traffic follows.
import { HaproxyRouter } from '../../../src/adapters/traffic/haproxy';
import { RefusedError, UnavailableError } from '../../../src/adapters/errors';
import { caught } from '../../support/caught';
import { startBackend, startHaproxy, stopAll, tally, waitFor, type Backend, type HaproxyServer } from '../../support/servers';

describe('HaproxyRouter (real HAProxy)', () => {
  let control: Backend;
  let treatment: Backend;
  let haproxy: HaproxyServer;
  let router: HaproxyRouter;

  beforeAll(async () => {
    control = await startBackend('control');
    treatment = await startBackend('treatment');
    haproxy = await startHaproxy({
      backends: { checkout: { 'control-1': { address: control.address, weight: 1 }, 'treatment-1': { address: treatment.address, weight: 3 } } },
    });
    router = new HaproxyRouter({
      socket: haproxy.socket,
      services: { checkout: { backend: 'checkout', pools: { control: ['control-1'], treatment: ['treatment-1'] } } },
    });
  });

  afterAll(async () => {
    await stopAll();
    await Promise.all([control?.stop(), treatment?.stop()]);
  });

  it('reads the weights from the running HAProxy', async () => {
    await expect(router.weights('checkout')).resolves.toEqual({ control: 25, treatment: 75 });
  });

  it('after shift to control 100 %, treatment is drained and every request lands on control', async () => {
    const record = await router.shift('checkout', 'control', 100);
    expect(record).toMatchObject({ ok: true, details: { previous: { control: 25, treatment: 75 }, serverWeights: { 'control-1': 256, 'treatment-1': 0 } } });
    expect(record.command).toContain('set server checkout/treatment-1 state drain');
    await expect(router.weights('checkout')).resolves.toEqual({ control: 100, treatment: 0 });
    expect(await tally(haproxy.url, 20)).toEqual({ control: 20 });
  });

  it('at 50 % the weights are equal and both pools get traffic', async () => {
    await router.shift('checkout', 'control', 50);
    await expect(router.weights('checkout')).resolves.toEqual({ control: 50, treatment: 50 });
    const seen = await tally(haproxy.url, 20);
    expect(seen.control).toBe(10);
    expect(seen.treatment).toBe(10);
  });

  it('counts held requests as active', async () => {
    await router.shift('checkout', 'control', 100);
    await expect(router.activeRequests('checkout')).resolves.toBe(0);
    control.hold();
    const inFlight = [fetch(haproxy.url), fetch(haproxy.url)];
    await waitFor(() => control.held === 2);
    await expect(router.activeRequests('checkout')).resolves.toBe(2);
    control.release();
    await Promise.all(inFlight.map(async (r) => (await r).text()));
    await waitFor(async () => (await router.activeRequests('checkout')) === 0);
  });

  it('refuses servers and backends HAProxy does not have, before changing anything', async () => {
    const wrong = new HaproxyRouter({
      socket: haproxy.socket,
      services: { checkout: { backend: 'checkout', pools: { control: ['control-1'], blue: ['blue-1'] } } },
    });
    const refusal = await caught(wrong.shift('checkout', 'blue', 100));
    expect(refusal).toBeInstanceOf(RefusedError);
    expect((refusal as Error).message).toContain('no server blue-1');
    await expect(router.weights('checkout')).resolves.toEqual({ control: 100, treatment: 0 });
    const noBackend = new HaproxyRouter({ socket: haproxy.socket, services: { checkout: { backend: 'payments', pools: { control: ['control-1'] } } } });
    expect(await caught(noBackend.weights('checkout'))).toBeInstanceOf(RefusedError);
  });

  it('reports an unreachable socket as unavailable (retryable)', async () => {
    const gone = new HaproxyRouter({ socket: `${haproxy.socket}.missing`, services: { checkout: { backend: 'checkout', pools: { control: ['control-1'] } } } });
    const error = await caught(gone.weights('checkout'));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).retryable).toBe(true);
  });
});
