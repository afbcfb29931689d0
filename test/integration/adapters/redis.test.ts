// RedisCache against a real redis-server: FLUSHDB empties the mapped database only.
import { createClient } from 'redis';
import { RedisCache } from '../../../src/adapters/cache/redis';
import { UnavailableError, RefusedError } from '../../../src/adapters/errors';
import { caught } from '../../support/caught';
import { freePort } from '../../support/servers/process';
import { startRedis, stopAll, type RedisServer } from '../../support/servers';

describe('RedisCache (real Redis)', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(stopAll);

  async function fill(db: number, keys: string[]): Promise<void> {
    const client = createClient({ url: redis.url, database: db });
    await client.connect();
    for (const key of keys) await client.set(key, 'v');
    await client.close();
  }
  async function size(db: number): Promise<number> {
    const client = createClient({ url: redis.url, database: db });
    await client.connect();
    const n = await client.dbSize();
    await client.close();
    return n;
  }

  it('flushes the configuration cache and leaves sessions (another db) alone', async () => {
    await fill(2, ['config:ranking', 'config:hedging', 'config:ta_nra']);
    await fill(0, ['session:1', 'session:2']);
    const cache = new RedisCache({ url: () => redis.url, caches: { config: { db: 2 }, sessions: { db: 0 } } });
    const record = await cache.flush('config');
    expect(record).toMatchObject({ ok: true, command: 'SELECT 2; FLUSHDB', details: { db: 2, keysBefore: 3, keysAfter: 0 } });
    expect(await size(2)).toBe(0);
    expect(await size(0)).toBe(2);
    // What a step reads back: the keys in that cache's db only.
    await expect(cache.size('config')).resolves.toBe(0);
    await expect(cache.size('sessions')).resolves.toBe(2);
    // Repeating is harmless (a retried activity).
    await expect(cache.flush('config')).resolves.toMatchObject({ ok: true, details: { keysBefore: 0 } });
  });

  it('refuses a cache the plan does not map', async () => {
    const cache = new RedisCache({ url: redis.url, caches: { config: { db: 2 } } });
    expect(await caught(cache.flush('everything'))).toBeInstanceOf(RefusedError);
  });

  it('reports an unreachable Redis as unavailable without showing the URL (it may hold a password)', async () => {
    const url = `redis://:s3cret-pass@127.0.0.1:${await freePort()}`;
    const error = await caught(new RedisCache({ url, caches: { config: { db: 2 } } }).flush('config'));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
