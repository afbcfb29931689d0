// Which real systems a plan's steps and checks act on: feature flags (the embedded file or
// Unleash), load balancer (nginx or HAProxy), cache (Redis), database (PostgreSQL), metrics
// (Prometheus), alerts (Alertmanager).
// Secrets (connection URLs with passwords) are named by their environment variable only.
// Names that end up inside an nginx config file or an HAProxy Runtime API command are
// restricted to plain characters, so a plan can never inject configuration or commands.
import { z } from 'zod';
import { EnvVarName, Slug, unknownVariant } from './common';

/** `host:port`, `[v6]:port` or `unix:/path`: what an nginx `server` line takes. */
const UpstreamAddress = z
  .string()
  .regex(/^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$|^unix:\/[A-Za-z0-9._/-]+$/, 'an upstream server is "host:port" or "unix:/path"');

/** nginx upstream names, HAProxy backend and server names: no spaces, quotes or separators. */
const ConfigName = z.string().regex(/^[A-Za-z0-9._:-]+$/, 'use letters, digits, ".", "_", ":" and "-"');

const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Pool names map to lists of members; a member may belong to one pool only. */
function pools<T extends z.ZodType<string>>(member: T) {
  return z
    .record(Slug, z.array(member).min(1))
    .refine((p) => Object.keys(p).length >= 1, 'give at least one pool')
    .superRefine((p, ctx) => {
      const owner = new Map<string, string>();
      for (const [pool, members] of Object.entries(p)) {
        for (const m of members as string[]) {
          const other = owner.get(m);
          if (other !== undefined && other !== pool)
            ctx.addIssue({ code: 'custom', path: [pool], message: `"${m}" is in pools "${other}" and "${pool}"; a member belongs to one pool` });
          owner.set(m, pool);
        }
      }
    });
}

export const FileFlagsSchema = z.strictObject({
  type: z.literal('file'),
  /** The JSON flag file (default: the worker's FLAG_STORE_PATH). */
  path: z.string().optional(),
});

export const UnleashFlagsSchema = z.strictObject({
  type: z.literal('unleash'),
  /** The server's base URL, as in the browser: the adapter calls its admin API below it. */
  url: HttpUrl.refine((url) => !/\/api\/?$/.test(url), 'give the base URL of Unleash (as in the browser), without "/api"'),
  project: z.string().min(1).default('default'),
  /**
   * The Unleash environment of each of the plan's environments whose name differs there
   * (`production: prod`); the others act on the environment of the same name. A drill in
   * staging therefore never touches production's flags.
   */
  environments: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Environment variable holding the admin API token (an admin token, or a service account's). */
  tokenEnv: EnvVarName.default('UNLEASH_ADMIN_TOKEN'),
});

export const FlagsAdapterSchema = z.discriminatedUnion('type', [FileFlagsSchema, UnleashFlagsSchema], { error: unknownVariant('type') });

export const NginxTrafficSchema = z.strictObject({
  type: z.literal('nginx'),
  /** Main config, given to `nginx -t -c` and `nginx -s reload -c`. */
  conf: z.string().min(1),
  /** The include file with the `upstream` blocks; the adapter owns and rewrites it. */
  upstreamFile: z.string().min(1),
  /** stub_status page, for active requests. */
  statusUrl: HttpUrl.optional(),
  /** Path of the nginx binary (default: `nginx` on PATH). */
  binary: z.string().min(1).optional(),
  services: z.record(
    Slug,
    z.strictObject({
      /** Name of the `upstream` block (default: the service name). */
      upstream: ConfigName.optional(),
      /** A stub_status page for this service's own nginx, if it differs. */
      statusUrl: HttpUrl.optional(),
      pools: pools(UpstreamAddress),
    }),
  ),
});

export const HaproxyTrafficSchema = z.strictObject({
  type: z.literal('haproxy'),
  /** Path of the stats socket with `level admin` (the Runtime API). */
  socket: z.string().min(1),
  services: z.record(
    Slug,
    z.strictObject({
      backend: ConfigName,
      /** Pool → server names in that backend. */
      pools: pools(ConfigName),
    }),
  ),
});

export const TrafficAdapterSchema = z.discriminatedUnion('type', [NginxTrafficSchema, HaproxyTrafficSchema], { error: unknownVariant('type') });

export const CacheAdapterSchema = z.strictObject({
  type: z.literal('redis'),
  /** Environment variable holding the Redis URL (it may carry a password). */
  urlEnv: EnvVarName.default('REDIS_URL'),
  /** Cache name (as `cache.flush` steps say it) → the logical database FLUSHDB empties. */
  caches: z.record(z.string().min(1), z.strictObject({ db: z.number().int().min(0) })),
});

export const DatabaseAdapterSchema = z.strictObject({
  type: z.literal('postgres'),
  /** Environment variable holding the PostgreSQL URL. */
  urlEnv: EnvVarName.default('DATABASE_URL'),
  /** Folder of psql / pg_restore (default: on PATH). */
  binDir: z.string().min(1).optional(),
  migrations: z
    .strictObject({
      /** Table with one row per applied migration, column `version`. */
      table: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'a table name, optionally schema-qualified')
        .default('schema_migrations'),
      /** Folder with `<version>.down.sql` files. */
      dir: z.string().min(1),
    })
    .optional(),
  backups: z.strictObject({ /** Folder of dumps made by pg_dump (`.sql` plain, `.dump` custom format). */ dir: z.string().min(1) }).optional(),
});

export const MetricsAdapterSchema = z.strictObject({ type: z.literal('prometheus'), url: HttpUrl });

export const AlertsAdapterSchema = z.strictObject({ type: z.literal('alertmanager'), url: HttpUrl });

export type FlagsAdapterConfig = z.infer<typeof FlagsAdapterSchema>;
export type UnleashFlagsConfig = z.infer<typeof UnleashFlagsSchema>;
export type NginxTrafficConfig = z.infer<typeof NginxTrafficSchema>;
export type HaproxyTrafficConfig = z.infer<typeof HaproxyTrafficSchema>;
export type TrafficAdapterConfig = z.infer<typeof TrafficAdapterSchema>;
export type CacheAdapterConfig = z.infer<typeof CacheAdapterSchema>;
export type DatabaseAdapterConfig = z.infer<typeof DatabaseAdapterSchema>;
export type MetricsAdapterConfig = z.infer<typeof MetricsAdapterSchema>;
export type AlertsAdapterConfig = z.infer<typeof AlertsAdapterSchema>;
export interface InfraAdaptersConfig {
  traffic?: TrafficAdapterConfig;
  cache?: CacheAdapterConfig;
  database?: DatabaseAdapterConfig;
  metrics?: MetricsAdapterConfig;
  alerts?: AlertsAdapterConfig;
}
