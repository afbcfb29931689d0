// Builds the infrastructure adapters a plan names (adapters.flags, traffic, cache,
// database, metrics, alerts), like Argo's metric providers and Flagger's routers: one
// vendor per role, chosen by `type`. Secrets are read from the environment variable the plan names,
// only when an adapter first needs them, so a plan whose database URL is missing can still
// shift traffic — and the refusal names the variable, never a value.
import type { FlagsAdapterConfig, InfraAdaptersConfig } from '../plan/language/adapters';
import { AlertmanagerAlerts } from './alerts/alertmanager';
import { RedisCache } from './cache/redis';
import { PostgresDatabase } from './database/postgres';
import { RefusedError } from './errors';
import { FileFlagStore } from './fileFlagStore';
import type { FlagStore } from './flagStore';
import { PrometheusMetrics } from './metrics/prometheus';
import type { AlertSource, Cache, Database, MetricSource, TrafficRouter } from './roles';
import { HaproxyRouter } from './traffic/haproxy';
import { NginxRouter } from './traffic/nginx';
import { UnleashFlagStore } from './unleashFlagStore';

export interface InfraAdapters {
  traffic?: TrafficRouter;
  cache?: Cache;
  database?: Database;
  metrics?: MetricSource;
  alerts?: AlertSource;
}

/** Reads a secret when first needed; a missing one is refused by its variable's name. */
function secretReader(env: NodeJS.ProcessEnv) {
  return (vendor: string, name: string) => () => {
    const value = env[name];
    if (!value) throw new RefusedError(vendor, `environment variable ${name} is not set on the worker`);
    return value;
  };
}

/**
 * The flag store a plan names, acting for a run in `environment`: the embedded file (the
 * plan's path, or the worker's `defaultPath`), or Unleash in that environment's Unleash
 * environment.
 */
export function flagStoreFor(config: FlagsAdapterConfig, environment: string, defaultPath: string, env: NodeJS.ProcessEnv = process.env): FlagStore {
  if (config.type === 'file') return new FileFlagStore(config.path ?? defaultPath);
  return new UnleashFlagStore({
    url: config.url,
    project: config.project,
    environment: config.environments[environment] ?? environment,
    tokenEnv: config.tokenEnv,
    token: secretReader(env)('unleash', config.tokenEnv),
  });
}

export function infraAdapters(config: InfraAdaptersConfig, env: NodeJS.ProcessEnv = process.env): InfraAdapters {
  const secret = secretReader(env);
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
