// PostgreSQL as a Database, with the tools a DBA would use by hand:
// - migrateDown: the plan's migrations table (one row per applied version) and a folder of
//   `<version>.down.sql` files. Newer versions than the target are reverted newest first,
//   each down script in one transaction together with the delete of its row, so a failure
//   leaves that version fully applied and recorded — never half-reverted. Down scripts must
//   therefore not manage transactions themselves (no BEGIN/COMMIT, no CONCURRENTLY).
// - backup: pg_dump in custom format (what pg_restore, and so `restore`, reads) to a
//   `.partial` file renamed into place once complete, so a dump that exists is a whole one.
// - restore: dumps made by pg_dump in the plan's backups folder; plain SQL (`.sql`, best
//   made with `--clean --if-exists`) through psql, custom format (`.dump`) through
//   pg_restore --clean --if-exists; both in a single transaction that stops at the first
//   error, so a bad dump leaves the database as it was.
// The connection URL is a secret: psql and pg_restore get it as PG* environment variables,
// never on their command line (visible in `ps`) and never in a record or error.
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { Client } from 'pg';
import { describeNetworkFailure, UnavailableError, RefusedError } from '../errors';
import { execTool, tail } from '../exec';
import { formatByteSize } from '../../plan/language/runtimeAdapters';
import type { ActionRecord, Database, DatabaseState } from '../roles';

const VENDOR = 'postgres';
const DUMP_FORMATS: Record<string, 'plain' | 'custom'> = { '.sql': 'plain', '.dump': 'custom' };

export interface PostgresDatabaseOptions {
  /** The PostgreSQL URL, or a function reading it from the environment when needed. */
  url: string | (() => string);
  migrations?: { table: string; dir: string };
  backups?: { dir: string };
  /** Folder of psql and pg_restore (default: on PATH). */
  binDir?: string;
  /** Version column of the migrations table (default `version`). */
  versionColumn?: string;
}

/** Natural order: "9" < "10", "20240115_a" < "20240116_a". */
export const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export class PostgresDatabase implements Database {
  constructor(private readonly options: PostgresDatabaseOptions) {}

  async migrateDown(to: string): Promise<ActionRecord> {
    const migrations = this.options.migrations;
    if (!migrations) throw new RefusedError(VENDOR, 'the plan gives no migrations table and folder (adapters.database.migrations)');
    const client = await this.connect();
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(`${n.severity ?? 'NOTICE'}: ${n.message}`));
    try {
      const { table, column } = this.migrationsTable(client, migrations.table);
      const applied = await this.applied(client, migrations.table);
      if (to !== '0' && !applied.includes(to)) {
        throw new RefusedError(VENDOR, `version ${to} is not applied (applied: ${applied.join(', ') || 'none'}); give an applied version, or "0" for none`);
      }
      const newer = applied.filter((v) => to === '0' || byVersion(v, to) > 0).reverse();
      if (newer.length === 0) return { ok: true, summary: `database already at migration ${to}: nothing to revert`, details: { to, reverted: [] } };

      // Every down script must exist before the first one runs.
      const scripts = new Map<string, string>();
      const missing: string[] = [];
      for (const version of newer) {
        try {
          scripts.set(version, await readFile(join(migrations.dir, `${version}.down.sql`), 'utf8'));
        } catch {
          missing.push(`${version}.down.sql`);
        }
      }
      if (missing.length > 0) throw new RefusedError(VENDOR, `missing down scripts in ${migrations.dir}: ${missing.join(', ')}; nothing was reverted`);

      const reverted: string[] = [];
      for (const version of newer) {
        try {
          await client.query('BEGIN');
          await client.query(scripts.get(version)!);
          await client.query(`DELETE FROM ${table} WHERE ${column}::text = $1`, [version]);
          await client.query('COMMIT');
          reverted.push(version);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          return {
            ok: false,
            summary: `migration ${version} could not be reverted (${(error as Error).message}); ${reverted.length ? `reverted ${reverted.join(', ')} before it` : 'nothing reverted'}; ${version} stays applied`,
            command: commandFor(migrations.dir, newer),
            output: tail([...notices, `ERROR: ${(error as Error).message}`].join('\n')),
            details: { to, reverted, failed: version, remaining: newer.slice(reverted.length) },
          };
        }
      }
      return {
        ok: true,
        summary: `database migrated down to ${to}: reverted ${reverted.join(', ')}`,
        command: commandFor(migrations.dir, newer),
        ...(notices.length ? { output: tail(notices.join('\n')) } : {}),
        details: { to, reverted },
      };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async restore(backup: string): Promise<ActionRecord> {
    const dir = this.backupDir();
    const available = await this.list();
    const chosen = backup === 'latest' ? available[0] : available.find((b) => b.name === backup || b.file === backup);
    if (!chosen) {
      throw new RefusedError(VENDOR, `no backup "${backup}" in ${dir} (available: ${available.map((b) => b.name).join(', ') || 'none'})`);
    }
    const file = join(dir, chosen.file);
    const env = { ...process.env, ...libpqEnv(this.url()) };
    const result =
      chosen.format === 'plain'
        ? await execTool(this.bin('psql'), ['--no-psqlrc', '--quiet', '--set', 'ON_ERROR_STOP=1', '--single-transaction', '--file', file], {
            env,
            timeoutMs: 30 * 60_000,
          })
        : await execTool(
            this.bin('pg_restore'),
            ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', '--dbname', env.PGDATABASE ?? 'postgres', file],
            {
              env,
              timeoutMs: 30 * 60_000,
            },
          );
    const ok = result.exitCode === 0;
    return {
      ok,
      summary: ok
        ? `database restored from backup ${chosen.name}`
        : `restore from backup ${chosen.name} failed (exit ${result.exitCode}); the single transaction left the database unchanged`,
      command: result.command,
      exitCode: result.exitCode,
      output: result.output,
      details: { backup: chosen.name, file, format: chosen.format, modifiedAt: chosen.modifiedAt },
    };
  }

  async backup(file: string): Promise<ActionRecord> {
    const partial = `${file}.partial`;
    await mkdir(dirname(file), { recursive: true });
    const env = { ...process.env, ...libpqEnv(this.url()) };
    const database = env.PGDATABASE ? `database ${env.PGDATABASE}` : 'the database';
    const result = await execTool(this.bin('pg_dump'), ['--format=custom', '--no-owner', '--file', partial], { env, timeoutMs: 30 * 60_000 });
    if (result.exitCode !== 0) {
      await rm(partial, { force: true });
      return {
        ok: false,
        summary: `pg_dump of ${database} failed (exit ${result.exitCode}); no dump written`,
        command: result.command,
        exitCode: result.exitCode,
        output: result.output,
        details: { file },
      };
    }
    await rename(partial, file);
    const bytes = (await stat(file)).size;
    return {
      ok: true,
      summary: `${database} dumped to ${file} (${formatByteSize(bytes)})`,
      command: result.command,
      exitCode: 0,
      ...(result.output ? { output: result.output } : {}),
      details: { file, bytes, format: 'custom' },
    };
  }

  async readBack(): Promise<DatabaseState> {
    const client = await this.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      const migrations = this.options.migrations ? await this.applied(client, this.options.migrations.table) : undefined;
      return { tables: rows[0]?.n ?? 0, ...(migrations ? { migrations } : {}) };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private migrationsTable(client: Client, name: string): { table: string; column: string } {
    return {
      table: name
        .split('.')
        .map((part) => client.escapeIdentifier(part))
        .join('.'),
      column: client.escapeIdentifier(this.options.versionColumn ?? 'version'),
    };
  }

  /** Applied versions, oldest first. */
  private async applied(client: Client, name: string): Promise<string[]> {
    const { table, column } = this.migrationsTable(client, name);
    try {
      return (await client.query<{ v: string }>(`SELECT ${column}::text AS v FROM ${table}`)).rows.map((r) => r.v).sort(byVersion);
    } catch (error) {
      throw new RefusedError(VENDOR, `cannot read the migrations table ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  async backups(): Promise<string[]> {
    return (await this.list()).map((b) => b.name);
  }

  private backupDir(): string {
    const dir = this.options.backups?.dir;
    if (!dir) throw new RefusedError(VENDOR, 'the plan gives no backups folder (adapters.database.backups.dir)');
    return dir;
  }

  /** Dumps in the folder, newest first (modification time, like `ls -t`), then by name. */
  private async list(): Promise<Array<{ name: string; file: string; format: 'plain' | 'custom'; modifiedAt: string; mtimeMs: number }>> {
    const dir = this.backupDir();
    let files: string[];
    try {
      files = await readdir(dir);
    } catch (error) {
      throw new UnavailableError(VENDOR, `cannot read the backups folder ${dir}: ${(error as Error).message}`, undefined, { cause: error });
    }
    const found = await Promise.all(
      files
        .filter((f) => extname(f) in DUMP_FORMATS)
        .map(async (file) => {
          const info = await stat(join(dir, file));
          return {
            name: file.slice(0, -extname(file).length),
            file,
            format: DUMP_FORMATS[extname(file)],
            modifiedAt: info.mtime.toISOString(),
            mtimeMs: info.mtimeMs,
            isFile: info.isFile(),
          };
        }),
    );
    return found
      .filter((b) => b.isFile)
      .map(({ isFile: _isFile, ...b }) => b)
      .sort((a, b) => b.mtimeMs - a.mtimeMs || byVersion(b.name, a.name));
  }

  /** A PostgreSQL client tool, from `binDir` when the plan gives one. */
  private bin(tool: string): string {
    return this.options.binDir ? join(this.options.binDir, tool) : tool;
  }

  private url(): string {
    return typeof this.options.url === 'function' ? this.options.url() : this.options.url;
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 10_000 });
    client.on('error', () => {
      // a dropped connection surfaces on the awaited query; this keeps the worker alive
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new UnavailableError(VENDOR, `cannot connect: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    return client;
  }
}

function commandFor(dir: string, versions: string[]): string {
  return versions.map((v) => `run ${join(dir, `${v}.down.sql`)}`).join('; ');
}

/** postgres://user:pass@host:port/db?sslmode=… as the PG* variables libpq reads. */
export function libpqEnv(url: string): Record<string, string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RefusedError(VENDOR, 'the database URL is not a valid postgres:// URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new RefusedError(VENDOR, `the database URL must start with postgres://, not ${parsed.protocol}//`);
  const env: Record<string, string> = {};
  const host = parsed.searchParams.get('host') ?? parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host) env.PGHOST = host;
  if (parsed.port) env.PGPORT = parsed.port;
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}
