// Unleash (the `unleash-server` npm package, pinned in devDependencies) on the real
// PostgreSQL the tests start: a database of its own on that server, its HTTP port on a free
// loopback port, and an admin API token made up at start-up (INIT_ADMIN_API_TOKENS). It runs
// as its own Node process, so its ESM code and its logs stay out of Jest. Nothing reaches
// the internet: the version check and telemetry are off, and the admin UI is never loaded.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { freePort, spawnServer, tempDir, waitUntil } from './process';
import { startPostgres, type PostgresServer } from './postgres';

export interface UnleashServer {
  url: string;
  /** An admin API token (`*:*.<hex>`): every project and environment. */
  adminToken: string;
  dir: string;
  logFile: string;
  /** Calls the admin API as the admin token; throws with the answer unless it is 2xx. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Creates a feature flag in the project `default` (off in both of a fresh Unleash's environments, development and production). */
  createFlag(name: string): Promise<void>;
  /** Stops Unleash (and the PostgreSQL started for it, when none was given). */
  stop(): Promise<void>;
}

const SERVER_SCRIPT = resolve(__dirname, '../../../node_modules/unleash-server/dist/server.js');

let databases = 0;

/** Starts Unleash on `postgres`, or on a PostgreSQL of its own when none is given. */
export async function startUnleash(postgres?: PostgresServer): Promise<UnleashServer> {
  const pg = postgres ?? (await startPostgres());
  const database = `unleash_${process.pid}_${++databases}`;
  const client = new Client({ connectionString: pg.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  const dir = tempDir('unleash');
  const port = await freePort();
  const adminToken = `*:*.${randomBytes(24).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    TZ: 'UTC',
    NODE_ENV: 'production',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    DATABASE_URL: pg.urlFor(database),
    DATABASE_SSL: 'false',
    DATABASE_POOL_MIN: '0',
    DATABASE_POOL_MAX: '4',
    INIT_ADMIN_API_TOKENS: adminToken,
    UNLEASH_DEFAULT_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
    // Offline: no version check against version.unleash.run, no telemetry.
    CHECK_VERSION: 'false',
    SEND_TELEMETRY: 'false',
    LOG_LEVEL: 'warn',
  };
  const proc = spawnServer({ name: 'unleash', command: process.execPath, args: [SERVER_SCRIPT], dir, env, stopSignal: 'SIGTERM' });
  const url = `http://127.0.0.1:${port}`;

  async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${url}/api/admin${path}`, {
      method,
      headers: { Authorization: adminToken, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Unleash ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // Unleash first, then the PostgreSQL it uses (when it was started for it).
  const stop = async () => {
    await proc.stop();
    if (!postgres) await pg.stop();
  };
  try {
    // A first start runs Unleash's migrations on the empty database (about 2–4 s here).
    await waitUntil(proc, 'unleash', () => healthy(url), 60_000);
    await waitUntil(proc, 'the admin token', () => admin('GET', '/projects/default/features').then(() => true), 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    adminToken,
    dir,
    logFile: proc.logFile,
    admin,
    createFlag: async (name) => {
      await admin('POST', '/projects/default/features', { name, type: 'kill-switch' });
    },
    stop,
  };
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
  const body = (await res.json().catch(() => ({}))) as { health?: string };
  return res.ok && body.health === 'GOOD';
}
