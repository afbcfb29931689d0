import { RecentDeliveries } from '../../../src/api/recentDeliveries';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('identical notifications at once are delivered once, and every caller waits for that delivery', async () => {
  let now = 0;
  const recent = new RecentDeliveries(() => now, 1000);
  const pending = deferred();
  let deliveries = 0;
  const deliver = () => {
    deliveries++;
    return pending.promise;
  };
  const answers: boolean[] = [];
  const calls = Array.from({ length: 20 }, () => recent.once('desk|fp|t0|firing', deliver).then((joined) => answers.push(joined)));
  await Promise.resolve();
  expect(answers).toEqual([]); // nobody is answered before the alert is at its desk
  pending.resolve();
  await Promise.all(calls);
  expect(deliveries).toBe(1);
  expect(answers.filter((joined) => joined)).toHaveLength(19);

  // Outside the window the desk hears it again (its "last seen" moves on); other keys are their own.
  now = 1500;
  expect(await recent.once('desk|fp|t0|firing', () => Promise.resolve(deliveries++))).toBe(false);
  expect(await recent.once('desk|fp|t0|resolved', () => Promise.resolve(deliveries++))).toBe(false);
  expect(deliveries).toBe(3);
});

test('a delivery that failed is not joined: the next identical notification delivers itself', async () => {
  const recent = new RecentDeliveries(() => 0, 1000);
  const failing = deferred();
  const first = recent.once('k', () => failing.promise);
  let delivered = 0;
  const second = recent.once('k', () => Promise.resolve(delivered++));
  failing.reject(new Error('Temporal unavailable'));
  await expect(first).rejects.toThrow('Temporal unavailable');
  expect(await second).toBe(false);
  expect(delivered).toBe(1);
});
