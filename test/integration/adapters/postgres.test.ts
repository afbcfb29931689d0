// PostgresDatabase against a real PostgreSQL 15: migrations really go away, dumps really come back.
import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { PostgresDatabase } from '../../../src/adapters/database/postgres';
import { RefusedError } from '../../../src/adapters/errors';
import { caught } from '../../support/caught';
import { startPostgres, stopAll, type PostgresServer } from '../../support/servers';
import { tempDir } from '../../support/servers/process';

const run = promisify(execFile);

describe('PostgresDatabase (real PostgreSQL)', () => {
  let pg: PostgresServer;
  let url: string;
  let work: string;
  let sql: Client;

  const migrations = () => ({ table: 'schema_migrations', dir: join(work, 'migrations') });
  const backups = () => ({ dir: join(work, 'backups') });
  const db = () => new PostgresDatabase({ url: () => url, migrations: migrations(), backups: backups(), binDir: pg.bin });

  const tables = async () =>
    (await sql.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
  const columns = async (table: string) =>
    (
      await sql.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table])
    ).rows.map((r) => r.c);
  const versions = async () => (await sql.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);

  beforeAll(async () => {
    pg = await startPostgres();
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE shop');
    await admin.end();
    url = pg.urlFor('shop');
    sql = new Client({ connectionString: url });
    await sql.connect();
    work = tempDir('pg-files');
    mkdirSync(migrations().dir);
    mkdirSync(backups().dir);
    // Three applied migrations (a new table, a new column, another new table) and their down scripts.
    await sql.query(`
      CREATE TABLE schema_migrations (version text PRIMARY KEY);
      CREATE TABLE orders (id serial PRIMARY KEY, total numeric NOT NULL);
      ALTER TABLE orders ADD COLUMN coupon text;
      CREATE TABLE loyalty (customer int PRIMARY KEY, points int);
      INSERT INTO schema_migrations VALUES ('001'), ('002'), ('003');
      INSERT INTO orders (total, coupon) VALUES (10, 'X'), (20, NULL);`);
    writeFileSync(join(migrations().dir, '001.down.sql'), 'DROP TABLE orders;');
    writeFileSync(join(migrations().dir, '002.down.sql'), 'ALTER TABLE orders DROP COLUMN coupon;');
    writeFileSync(join(migrations().dir, '003.down.sql'), 'DROP TABLE loyalty;');
  });

  afterAll(async () => {
    await sql?.end().catch(() => undefined);
    await stopAll();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('migrateDown reverts the newer migrations, newest first, and removes their rows', async () => {
    const record = await db().migrateDown('001');
    expect(record).toMatchObject({ ok: true, details: { to: '001', reverted: ['003', '002'] } });
    expect(await tables()).toEqual(['orders', 'schema_migrations']);
    expect(await columns('orders')).toEqual(['id', 'total']);
    expect(await versions()).toEqual(['001']);
    // What a step reads back: the applied migrations and the tables, from the database.
    await expect(db().readBack()).resolves.toEqual({ migrations: ['001'], tables: 2 });
    // The data in the surviving table stays.
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(2);
    // Repeating (a retried activity) has nothing left to do.
    await expect(db().migrateDown('001')).resolves.toMatchObject({ ok: true, details: { reverted: [] } });
  });

  it('a failing down script leaves that migration applied and recorded', async () => {
    await sql.query(`ALTER TABLE orders ADD COLUMN coupon text; INSERT INTO schema_migrations VALUES ('002'), ('004');`);
    writeFileSync(join(migrations().dir, '004.down.sql'), 'ALTER TABLE orders DROP COLUMN coupon; DROP TABLE no_such_table;');
    const record = await db().migrateDown('001');
    expect(record.ok).toBe(false);
    expect(record.summary).toContain('004');
    expect(record.output).toContain('no_such_table');
    expect(record.details).toMatchObject({ failed: '004', reverted: [] });
    // Its first statement was rolled back with the rest.
    expect(await columns('orders')).toEqual(['id', 'total', 'coupon']);
    expect(await versions()).toEqual(['001', '002', '004']);
  });

  it('refuses before touching anything when a down script is missing or the target is unknown', async () => {
    await sql.query(`INSERT INTO schema_migrations VALUES ('005')`);
    const missing = await caught(db().migrateDown('001'));
    expect(missing).toBeInstanceOf(RefusedError);
    expect((missing as Error).message).toContain('005.down.sql');
    expect(await versions()).toEqual(['001', '002', '004', '005']);
    expect(await caught(db().migrateDown('000-typo'))).toBeInstanceOf(RefusedError);
    await sql.query(
      `DELETE FROM schema_migrations WHERE version IN ('004', '005'); ALTER TABLE orders DROP COLUMN coupon; DELETE FROM schema_migrations WHERE version = '002'`,
    );
  });

  it('backups() lists dumps newest first; restore("latest") brings back the dumped rows', async () => {
    const dir = backups().dir;
    // An old dump, then the one taken before the incident (pg_dump --clean, as a backup job would).
    await run(join(pg.bin, 'pg_dump'), ['--clean', '--if-exists', '--no-owner', '--file', join(dir, 'shop-2024-01-14.sql'), url]);
    utimesSync(join(dir, 'shop-2024-01-14.sql'), new Date('2024-01-14T00:00:00Z'), new Date('2024-01-14T00:00:00Z'));
    await sql.query(`INSERT INTO orders (total) VALUES (30)`);
    await run(join(pg.bin, 'pg_dump'), ['--clean', '--if-exists', '--no-owner', '--file', join(dir, 'shop-2024-01-15.sql'), url]);
    utimesSync(join(dir, 'shop-2024-01-15.sql'), new Date('2024-01-15T00:00:00Z'), new Date('2024-01-15T00:00:00Z'));
    writeFileSync(join(dir, 'README.txt'), 'not a dump');
    await expect(db().backups()).resolves.toEqual(['shop-2024-01-15', 'shop-2024-01-14']);

    // The incident: data gone.
    await sql.query('DELETE FROM orders');
    const record = await db().restore('latest');
    expect(record).toMatchObject({ ok: true, exitCode: 0, details: { backup: 'shop-2024-01-15', format: 'plain' } });
    expect(record.command).not.toContain('postgres://');
    const totals = (await sql.query<{ total: string }>('SELECT total FROM orders ORDER BY id')).rows.map((r) => Number(r.total));
    expect(totals).toEqual([10, 20, 30]);

    // A named, older backup.
    await expect(db().restore('shop-2024-01-14')).resolves.toMatchObject({ ok: true });
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(2);
  });

  it('restores a custom-format dump with pg_restore', async () => {
    const dir = backups().dir;
    await run(join(pg.bin, 'pg_dump'), ['--format=custom', '--file', join(dir, 'shop-custom.dump'), url]);
    await sql.query('DROP TABLE orders');
    await expect(db().restore('shop-custom')).resolves.toMatchObject({ ok: true, details: { format: 'custom' } });
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(2);
  });

  // Seed 000 line 84 (a copy kept before restoring): db.backup's dump, whole or not at all.
  it('backup writes a custom-format dump that pg_restore reads; a failed pg_dump leaves no file', async () => {
    const file = join(backups().dir, 'incident-1', 'db_1_0.dump');
    const record = await db().backup(file);
    const bytes = statSync(file).size;
    expect(bytes).toBeGreaterThan(0);
    expect(record).toMatchObject({
      ok: true,
      exitCode: 0,
      summary: `database shop dumped to ${file} (${(bytes / 1024).toFixed(1)} KiB)`,
      details: { file, bytes },
    });
    expect(record.command).not.toContain('postgres://');
    expect(readdirSync(join(backups().dir, 'incident-1'))).toEqual(['db_1_0.dump']);
    const { stdout } = await run(join(pg.bin, 'pg_restore'), ['--list', file]);
    expect(stdout).toMatch(/TABLE DATA public orders/);
    // The incident's folder is not among the dumps a restore chooses from.
    await expect(db().backups()).resolves.not.toContain('db_1_0');

    const missing = new PostgresDatabase({ url: pg.urlFor('no_such_db'), backups: backups(), binDir: pg.bin });
    const failed = await missing.backup(join(backups().dir, 'incident-2', 'db_1_0.dump'));
    expect(failed).toMatchObject({ ok: false, summary: expect.stringContaining('pg_dump of database no_such_db failed') });
    expect(failed.output).toContain('no_such_db');
    expect(readdirSync(join(backups().dir, 'incident-2'))).toEqual([]);
  });

  it('a broken dump fails as one transaction: nothing changes', async () => {
    const file = join(backups().dir, 'broken.sql');
    writeFileSync(file, 'DELETE FROM orders;\nTHIS IS NOT SQL;\n');
    const record = await db().restore('broken');
    expect(record.ok).toBe(false);
    expect(record.exitCode).not.toBe(0);
    expect(record.output).toContain('syntax error');
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(2);
    expect(await caught(db().restore('../../etc/passwd'))).toBeInstanceOf(RefusedError);
  });
});
