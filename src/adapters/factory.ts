// Builds the infrastructure adapters a plan names (adapters.traffic, cache, database,
// metrics, alerts), like Argo's metric providers and Flagger's routers: one vendor per
// role, chosen by `type`. Secrets are read from the environment variable the plan names,
// only when an adapter first needs them, so a plan whose database URL is missing can still
// shift traffic — and the refusal names the variable, never a value.
import type { InfraAdaptersConfig } from '../plan/language/adapters';
import { AlertmanagerAlerts } from './alerts/alertmanager';
import { RedisCache } from './cache/redis';
import { PostgresDatabase } from './database/postgres';
import { RefusedError } from './errors';
import { PrometheusMetrics } from './metrics/prometheus';
import type { AlertSource, Cache, Database, MetricSource, TrafficRouter } from './roles';
import { HaproxyRouter } from './traffic/haproxy';
import { NginxRouter } from './traffic/nginx';

export interface InfraAdapters {
  traffic?: TrafficRouter;
  cache?: Cache;
  database?: Database;
  metrics?: MetricSource;
  alerts?: AlertSource;
}

export function infraAdapters(config: InfraAdaptersConfig, env: NodeJS.ProcessEnv = process.env): InfraAdapters {
  const secret = (vendor: string, name: string) => () => {
    const value = env[name];
    if (!value) throw new RefusedError(vendor, `environment variable ${name} is not set on the worker`);
    return value;
  };
  const adapters: InfraAdapters = {};
  const { traffic, cache, database, metrics, alerts } = config;
  if (traffic?.type === 'nginx') {
    const { type: _type, ...rest } = traffic;
    adapters.traffic = new NginxRouter(rest);
  } else if (traffic?.type === 'haproxy') {
    const { type: _type, ...rest } = traffic;
    adapters.traffic = new HaproxyRouter(rest);
  }
  if (cache) adapters.cache = new RedisCache({ url: secret('redis', cache.urlEnv), caches: cache.caches });
  if (database) {
    adapters.database = new PostgresDatabase({
      url: secret('postgres', database.urlEnv),
      ...(database.migrations ? { migrations: database.migrations } : {}),
      ...(database.backups ? { backups: database.backups } : {}),
      ...(database.binDir ? { binDir: database.binDir } : {}),
    });
  }
  if (metrics) adapters.metrics = new PrometheusMetrics({ url: metrics.url });
  if (alerts) adapters.alerts = new AlertmanagerAlerts({ url: alerts.url });
  return adapters;
}
