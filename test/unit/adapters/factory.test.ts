import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertmanagerAlerts } from '../../../src/adapters/alerts/alertmanager';
import { RedisCache } from '../../../src/adapters/cache/redis';
import { PostgresDatabase } from '../../../src/adapters/database/postgres';
import { RefusedError, UnavailableError } from '../../../src/adapters/errors';
import { flagStoreFor, infraAdapters } from '../../../src/adapters/factory';
import { FileFlagStore } from '../../../src/adapters/fileFlagStore';
import { PrometheusMetrics } from '../../../src/adapters/metrics/prometheus';
import { HaproxyRouter } from '../../../src/adapters/traffic/haproxy';
import { NginxRouter } from '../../../src/adapters/traffic/nginx';
import { UnleashFlagStore } from '../../../src/adapters/unleashFlagStore';
import { AdaptersSchema } from '../../../src/plan/language/plan';
import { caught } from '../../support/caught';

describe('infraAdapters', () => {
  const plan = AdaptersSchema.parse({
    traffic: {
      type: 'nginx',
      conf: '/etc/nginx/nginx.conf',
      upstreamFile: '/etc/nginx/conf.d/upstreams.conf',
      services: { checkout: { pools: { control: ['10.0.0.1:8080'] } } },
    },
    cache: { type: 'redis', caches: { config: { db: 2 } } },
    database: { type: 'postgres', urlEnv: 'SHOP_DATABASE_URL', backups: { dir: '/var/backups/shop' } },
    metrics: { type: 'prometheus', url: 'http://prometheus:9090' },
    alerts: { type: 'alertmanager', url: 'http://alertmanager:9093' },
  });

  it('builds one adapter per configured role, by vendor', () => {
    const adapters = infraAdapters(plan, {});
    expect(adapters.traffic).toBeInstanceOf(NginxRouter);
    expect(adapters.cache).toBeInstanceOf(RedisCache);
    expect(adapters.database).toBeInstanceOf(PostgresDatabase);
    expect(adapters.metrics).toBeInstanceOf(PrometheusMetrics);
    expect(adapters.alerts).toBeInstanceOf(AlertmanagerAlerts);
    const haproxy = infraAdapters(
      AdaptersSchema.parse({
        traffic: { type: 'haproxy', socket: '/run/haproxy/admin.sock', services: { checkout: { backend: 'checkout', pools: { control: ['c1'] } } } },
      }),
      {},
    );
    expect(haproxy.traffic).toBeInstanceOf(HaproxyRouter);
    expect(infraAdapters(AdaptersSchema.parse({}), {})).toEqual({});
  });

  it('reads secrets by the variable name the plan gives, and names only the variable when it is missing', async () => {
    const adapters = infraAdapters(plan, { REDIS_URL: '' });
    const error = await caught(adapters.database!.migrateDown('001'));
    // No migrations configured is refused first; the URL is only read when needed.
    expect(error).toBeInstanceOf(RefusedError);
    const restore = await caught(adapters.cache!.flush('config'));
    expect(restore).toBeInstanceOf(RefusedError);
    expect((restore as Error).message).toContain('REDIS_URL is not set');
  });

  it('keeps the secret out of errors', async () => {
    // A backup to restore, so that the restore gets as far as reading the URL.
    const backups = mkdtempSync(join(tmpdir(), 'backups-'));
    writeFileSync(join(backups, 'shop-2026-11-30.sql'), 'SELECT 1;\n');
    const withBackups = AdaptersSchema.parse({
      database: { type: 'postgres', urlEnv: 'SHOP_DATABASE_URL', backups: { dir: backups }, migrations: { table: 'schema_migrations', dir: backups } },
    });
    const database = (url: string) => infraAdapters(withBackups, { SHOP_DATABASE_URL: url }).database!;

    // The URL was read (each error is about it), and its password is in none of them.
    const wrongScheme = await caught(database('mysql://admin:hunter2@db/shop').restore('latest'));
    expect(wrongScheme).toBeInstanceOf(RefusedError);
    expect((wrongScheme as Error).message).toContain('must start with postgres://, not mysql://');
    const malformed = await caught(database('postgres://admin:hunter2@db:port/shop').restore('latest'));
    expect((malformed as Error).message).toContain('not a valid postgres:// URL');
    const unreachable = await caught(database('postgres://admin:hunter2@127.0.0.1:1/shop').migrateDown('0'));
    expect(unreachable).toBeInstanceOf(UnavailableError);
    expect((unreachable as Error).message).toContain('cannot connect');
    for (const error of [wrongScheme, malformed, unreachable]) {
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('hunter2');
    }
  });
});

describe('flagStoreFor', () => {
  it('gives the file store (the plan’s path, else the worker’s) or Unleash in the run’s environment, mapped when the plan says so', () => {
    const file = flagStoreFor(AdaptersSchema.parse({}).flags, 'production', '/srv/flags.json', {});
    expect(file).toBeInstanceOf(FileFlagStore);
    expect(file.location).toBe('the flag file /srv/flags.json');
    expect(flagStoreFor(AdaptersSchema.parse({ flags: { type: 'file', path: '/plan/flags.json' } }).flags, 'production', '/srv/flags.json', {}).location).toBe(
      'the flag file /plan/flags.json',
    );
    const flags = AdaptersSchema.parse({
      flags: { type: 'unleash', url: 'https://unleash.example.com', project: 'reserves', environments: { staging: 'development' } },
    }).flags;
    const production = flagStoreFor(flags, 'production', '/srv/flags.json', {});
    expect(production).toBeInstanceOf(UnleashFlagStore);
    expect(production.location).toBe('Unleash https://unleash.example.com (project reserves, environment production)');
    expect(flagStoreFor(flags, 'staging', '/srv/flags.json', {}).location).toBe(
      'Unleash https://unleash.example.com (project reserves, environment development)',
    );
  });
});
