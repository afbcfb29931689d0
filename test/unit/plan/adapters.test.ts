// The infrastructure blocks of `adapters`: what a plan may say, and what it is refused.
import { AdaptersSchema } from '../../../src/plan/language/plan';

const issues = (input: unknown) => AdaptersSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('adapters (traffic, cache, database, metrics, alerts)', () => {
  it('accepts every block and fills the env-var defaults', () => {
    const parsed = AdaptersSchema.parse({
      traffic: {
        type: 'haproxy',
        socket: '/run/haproxy/admin.sock',
        services: { checkout: { backend: 'be_checkout', pools: { control: ['c1', 'c2'], treatment: ['t1'] } } },
      },
      cache: { type: 'redis', caches: { config: { db: 2 } } },
      database: { type: 'postgres', migrations: { dir: 'db/migrations' }, backups: { dir: '/var/backups/shop' } },
      metrics: { type: 'prometheus', url: 'http://prometheus:9090' },
      alerts: { type: 'alertmanager', url: 'http://alertmanager:9093' },
    });
    expect(parsed.cache?.urlEnv).toBe('REDIS_URL');
    expect(parsed.database).toMatchObject({ urlEnv: 'DATABASE_URL', migrations: { table: 'schema_migrations' } });
    expect(parsed.flags).toEqual({ type: 'file' });
  });

  it('names the traffic types it knows', () => {
    expect(issues({ traffic: { type: 'envoy' } })).toEqual(['traffic.type: unknown type "envoy"; use one of: nginx, haproxy']);
  });

  it('refuses names that would inject into an nginx config or an HAProxy command', () => {
    expect(
      issues({
        traffic: {
          type: 'nginx',
          conf: 'n.conf',
          upstreamFile: 'u.conf',
          services: { checkout: { pools: { control: ['10.0.0.1:80; include /etc/passwd'] } } },
        },
      })[0],
    ).toContain('an upstream server is "host:port" or "unix:/path"');
    expect(
      issues({ traffic: { type: 'haproxy', socket: 's', services: { checkout: { backend: 'be\nshutdown sessions', pools: { control: ['c1'] } } } } })[0],
    ).toMatch(/^traffic\.services\.checkout\.backend:/);
  });

  it('refuses a server in two pools', () => {
    expect(
      issues({ traffic: { type: 'haproxy', socket: 's', services: { checkout: { backend: 'be', pools: { control: ['c1'], treatment: ['c1'] } } } } }),
    ).toEqual(['traffic.services.checkout.pools.treatment: "c1" is in pools "control" and "treatment"; a member belongs to one pool']);
  });

  it('takes secrets only as environment-variable names', () => {
    expect(issues({ cache: { type: 'redis', urlEnv: 'redis://:pw@cache:6379', caches: { config: { db: 2 } } } })[0]).toMatch(/^cache\.urlEnv: give the NAME/);
    expect(issues({ database: { type: 'postgres', urlEnv: 'postgres://app:pw@db/shop' } })[0]).toMatch(/^database\.urlEnv: give the NAME/);
  });

  it('wants http(s) URLs for Prometheus and Alertmanager', () => {
    expect(issues({ metrics: { type: 'prometheus', url: 'prometheus:9090' } })).toEqual(['metrics.url: expected an http(s) URL']);
  });
});

describe('adapters.flags', () => {
  it('is the embedded file by default; Unleash takes its URL, and fills project, environments and token variable', () => {
    expect(AdaptersSchema.parse({}).flags).toEqual({ type: 'file' });
    expect(AdaptersSchema.parse({ flags: { type: 'unleash', url: 'https://unleash.example.com' } }).flags).toEqual({
      type: 'unleash',
      url: 'https://unleash.example.com',
      project: 'default',
      environments: {},
      tokenEnv: 'UNLEASH_ADMIN_TOKEN',
    });
  });

  it('refuses an unknown store, a URL of the API instead of the server, and a token written in the plan', () => {
    expect(issues({ flags: { type: 'launchdarkly' } })).toEqual(['flags.type: unknown type "launchdarkly"; use one of: file, unleash']);
    expect(issues({ flags: { type: 'unleash', url: 'https://unleash.example.com/api/' } })).toEqual([
      'flags.url: give the base URL of Unleash (as in the browser), without "/api"',
    ]);
    expect(issues({ flags: { type: 'unleash', url: 'https://unleash.example.com', tokenEnv: '*:*.5f1c2e0b7d9a4c6e8f0a1b2c3d4e5f60' } })[0]).toMatch(
      /^flags\.tokenEnv: give the NAME/,
    );
    expect(issues({ flags: { type: 'unleash', url: 'https://unleash.example.com', path: 'flags.json' } })[0]).toMatch(/^flags: Unrecognized key/);
  });
});
