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

const AdapterType = <T extends string>(type: T) => z.literal(type).meta({ description: 'Which system; each type below says what it takes.' });

export const FileFlagsSchema = z
  .strictObject({
    type: AdapterType('file'),
    path: z
      .string()
      .optional()
      .meta({ description: "The JSON flag file (default: the worker's FLAG_STORE_PATH).", examples: ['.data/flags.json'] }),
  })
  .meta({ description: 'A JSON file of flag states (the embedded default).' });

export const UnleashFlagsSchema = z
  .strictObject({
    type: AdapterType('unleash'),
    url: HttpUrl.refine((url) => !/\/api\/?$/.test(url), 'give the base URL of Unleash (as in the browser), without "/api"').meta({
      description: "The server's base URL, as in the browser: the adapter calls its admin API below it.",
      examples: ['https://unleash.example.com'],
    }),
    project: z
      .string()
      .min(1)
      .default('default')
      .meta({ description: 'Unleash project of the flags.', examples: ['default'] }),
    environments: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .meta({
        description:
          "The Unleash environment of each of the plan's environments whose name differs there (`production: prod`); the others act on the environment of the same name. A drill in staging therefore never touches production's flags.",
        examples: [{ production: 'prod' }],
      }),
    tokenEnv: EnvVarName.default('UNLEASH_ADMIN_TOKEN').meta({
      description: "Environment variable holding the admin API token (an admin token, or a service account's).",
      examples: ['UNLEASH_ADMIN_TOKEN'],
    }),
  })
  .meta({ description: "Unleash: features switched and rolled out through its admin API, in the run's environment." });

export const FlagsAdapterSchema = z
  .discriminatedUnion('type', [FileFlagsSchema, UnleashFlagsSchema], { error: unknownVariant('type') })
  .meta({ description: 'The flag store `flag.*` steps act on.' });

export const NginxTrafficSchema = z
  .strictObject({
    type: AdapterType('nginx'),
    conf: z
      .string()
      .min(1)
      .meta({ description: 'Main config, given to `nginx -t -c` and `nginx -s reload -c`.', examples: ['/etc/nginx/nginx.conf'] }),
    upstreamFile: z
      .string()
      .min(1)
      .meta({ description: 'The include file with the `upstream` blocks; the adapter owns and rewrites it.', examples: ['/etc/nginx/conf.d/upstreams.conf'] }),
    statusUrl: HttpUrl.optional().meta({ description: 'stub_status page, for active requests.', examples: ['http://127.0.0.1:8081/nginx_status'] }),
    binary: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Path of the nginx binary (default: `nginx` on PATH).', examples: ['/usr/sbin/nginx'] }),
    services: z
      .record(
        Slug,
        z.strictObject({
          upstream: ConfigName.optional().meta({ description: 'Name of the `upstream` block (default: the service name).', examples: ['lens_search'] }),
          statusUrl: HttpUrl.optional().meta({
            description: "A stub_status page for this service's own nginx, if it differs.",
            examples: ['http://127.0.0.1:8082/nginx_status'],
          }),
          pools: pools(UpstreamAddress).meta({
            description: 'Pool name → upstream servers (`host:port` or `unix:/path`); `traffic.shift` sends traffic to one pool.',
            examples: [{ control: ['10.0.0.1:8080'], treatment: ['10.0.0.2:8080'] }],
          }),
        }),
      )
      .meta({ description: 'Per service (a name of `targets.services`): its upstream and pools.' }),
  })
  .meta({ description: 'nginx: the adapter rewrites an include file of `upstream` blocks, checks the config and reloads.' });

export const HaproxyTrafficSchema = z
  .strictObject({
    type: AdapterType('haproxy'),
    socket: z
      .string()
      .min(1)
      .meta({ description: 'Path of the stats socket with `level admin` (the Runtime API).', examples: ['/run/haproxy/admin.sock'] }),
    services: z
      .record(
        Slug,
        z.strictObject({
          backend: ConfigName.meta({ description: 'HAProxy backend of the service.', examples: ['lens_search'] }),
          pools: pools(ConfigName).meta({ description: 'Pool → server names in that backend.', examples: [{ control: ['control1'], treatment: ['canary1'] }] }),
        }),
      )
      .meta({ description: 'Per service (a name of `targets.services`): its backend and pools.' }),
  })
  .meta({ description: 'HAProxy: server weights set through the Runtime API, no reload.' });

export const TrafficAdapterSchema = z
  .discriminatedUnion('type', [NginxTrafficSchema, HaproxyTrafficSchema], { error: unknownVariant('type') })
  .meta({ description: 'The load balancer `traffic.shift` and `traffic.drain` act on.' });

export const CacheAdapterSchema = z
  .strictObject({
    type: z.literal('redis').meta({ description: 'Redis.' }),
    urlEnv: EnvVarName.default('REDIS_URL').meta({
      description: 'Environment variable holding the Redis URL (it may carry a password).',
      examples: ['REDIS_URL'],
    }),
    caches: z
      .record(
        z.string().min(1),
        z.strictObject({
          db: z
            .number()
            .int()
            .min(0)
            .meta({ description: 'Logical database number.', examples: [2] }),
        }),
      )
      .meta({
        description: 'Cache name (as `cache.flush` steps say it) → the logical database FLUSHDB empties.',
        examples: [{ configuration: { db: 2 } }],
        seed: '002',
      }),
  })
  .meta({ description: 'The cache `cache.flush` empties.' });

export const DatabaseAdapterSchema = z
  .strictObject({
    type: z.literal('postgres').meta({ description: 'PostgreSQL.' }),
    urlEnv: EnvVarName.default('DATABASE_URL').meta({ description: 'Environment variable holding the PostgreSQL URL.', examples: ['DATABASE_URL'] }),
    binDir: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Folder of psql / pg_restore (default: on PATH).', examples: ['/usr/lib/postgresql/16/bin'] }),
    migrations: z
      .strictObject({
        table: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'a table name, optionally schema-qualified')
          .default('schema_migrations')
          .meta({ description: 'Table with one row per applied migration, column `version`.', examples: ['schema_migrations'] }),
        dir: z
          .string()
          .min(1)
          .meta({ description: 'Folder with `<version>.down.sql` files.', examples: ['db/migrations'] }),
      })
      .optional()
      .meta({ description: 'Where `db.migrateDown` finds the applied migrations and their down scripts.' }),
    backups: z
      .strictObject({
        dir: z
          .string()
          .min(1)
          .meta({
            description: 'Folder of dumps made by pg_dump (`.sql` plain, `.dump` custom format); `db.backup` writes into a folder per incident inside it.',
            examples: ['/var/backups/postgres'],
          }),
        required: z
          .boolean()
          .default(false)
          .meta({
            description:
              'Every `db.restore` and `db.migrateDown` must come after a `db.backup` of the same steps that stops the level when it fails (seed 001 lines 70-75: "Restore from backup if needed").',
            examples: [true],
            seed: '001',
          }),
      })
      .optional()
      .meta({ description: 'Where `db.restore` finds backups and `db.backup` writes them.' }),
  })
  .meta({ description: 'The database `db.migrateDown` and `db.restore` act on.' });

export const MetricsAdapterSchema = z
  .strictObject({
    type: z.literal('prometheus').meta({ description: 'Prometheus.' }),
    url: HttpUrl.meta({ description: 'Base URL of the Prometheus HTTP API.', examples: ['http://localhost:9090'], seed: '004' }),
  })
  .meta({ description: 'Where metric triggers, metric checks and the capture read samples.' });

export const AlertsAdapterSchema = z
  .strictObject({
    type: z.literal('alertmanager').meta({ description: 'Alertmanager.' }),
    url: HttpUrl.meta({ description: 'Base URL of the Alertmanager API.', examples: ['http://localhost:9093'], seed: '004' }),
  })
  .meta({ description: 'Where monitoring looks for active alerts (`monitoring.reopenOn.activeAlerts`).' });

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
