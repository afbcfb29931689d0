// PostgreSQL 15 from Debian's package: a fresh cluster (initdb) in a temp folder, the
// postmaster in the foreground on a free loopback port, trust auth, fsync off (tests only).
//
// PostgreSQL refuses to run as root. When the tests run as root (CI), initdb and postgres
// are spawned with the uid/gid of the `postgres` user the Debian package creates (or
// `nobody`) through child_process' own `uid`/`gid` options — no runuser/su wrapper, so the
// pid we hold is the postmaster itself and signals reach it directly — and the temp folder
// is chowned to that user. The cluster's own superuser is always named `postgres`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { chownTree, freePort, spawnServer, tempDir, unprivilegedUser, waitUntil } from './process';

const run = promisify(execFile);

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  dataDir: string;
  /** Folder of the server binaries (pg_dump, psql of the same version). */
  bin: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const user = unprivilegedUser();
  const dir = tempDir('postgres');
  chownTree(dir, user);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  await run(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], {
    cwd: dir,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'synchronous_commit=off',
  ];
  // SIGINT is PostgreSQL's "fast" shutdown: rolls back sessions and exits in well under a second.
  const proc = spawnServer({ name: 'postgres', command: join(PG_BIN, 'postgres'), args, dir, stopSignal: 'SIGINT', ...(user ? { user } : {}) });
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  await waitUntil(proc, 'postgres', async () => {
    const client = new Client({ connectionString: urlFor('postgres'), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  return { port, url: urlFor('postgres'), urlFor, dataDir, bin: PG_BIN, dir, logFile: proc.logFile, stop: proc.stop };
}
