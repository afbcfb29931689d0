// Redis as a Cache. A plan names caches ("config"), each mapped to one logical database:
// flushing runs FLUSHDB there and nowhere else. Seed 002 says "configuration cache only",
// so this adapter never sends FLUSHALL, which would also empty sessions, queues and locks
// kept in the other databases of the same server.
import { createClient } from 'redis';
import type { CacheAdapterConfig } from '../../plan/language/adapters';
import { describeNetworkFailure, UnavailableError, RefusedError } from '../errors';
import type { ActionRecord, Cache } from '../roles';

const VENDOR = 'redis';

export interface RedisCacheOptions {
  /** The Redis URL, or a function reading it from the environment when needed (it may hold a password). */
  url: string | (() => string);
  caches: CacheAdapterConfig['caches'];
  connectTimeoutMs?: number;
}

export class RedisCache implements Cache {
  constructor(private readonly options: RedisCacheOptions) {}

  async flush(name: string): Promise<ActionRecord> {
    const { cache, client } = await this.connect(name);
    try {
      const before = await client.dbSize();
      const reply = await client.flushDb();
      const after = await client.dbSize();
      return {
        ok: reply === 'OK',
        summary: `cache ${name}: FLUSHDB on Redis db ${cache.db} removed ${before} keys`,
        command: `SELECT ${cache.db}; FLUSHDB`,
        output: String(reply),
        details: { cache: name, db: cache.db, keysBefore: before, keysAfter: after },
      };
    } catch (error) {
      // A server that renamed or disabled FLUSHDB, or an ACL that forbids it, answers with an error reply.
      const message = (error as Error).message;
      if (/ERR|NOPERM|unknown command/i.test(message)) throw new RefusedError(VENDOR, `FLUSHDB on db ${cache.db} refused: ${message}`, { cause: error });
      throw new UnavailableError(VENDOR, `FLUSHDB on db ${cache.db}: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    } finally {
      await client.close().catch(() => client.destroy());
    }
  }

  async size(name: string): Promise<number> {
    const { cache, client } = await this.connect(name);
    try {
      return await client.dbSize();
    } catch (error) {
      throw new UnavailableError(VENDOR, `DBSIZE on db ${cache.db}: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    } finally {
      await client.close().catch(() => client.destroy());
    }
  }

  /** One short-lived connection per call, no reconnect loop: a retry is Temporal's job. */
  private async connect(name: string) {
    const cache = this.options.caches[name];
    if (!cache) throw new RefusedError(VENDOR, `no cache named "${name}" (known: ${Object.keys(this.options.caches).join(', ') || 'none'})`);
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    const client = createClient({
      url,
      database: cache.db,
      socket: { connectTimeout: this.options.connectTimeoutMs ?? 5000, reconnectStrategy: false },
    });
    client.on('error', () => {
      // reported by the awaited command below; an unhandled 'error' event would crash the worker
    });
    try {
      await client.connect();
    } catch (error) {
      // The URL may carry a password: say where only by database number, never the URL.
      throw new UnavailableError(VENDOR, `cannot connect: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    return { cache, client };
  }
}
