// Issue 11, seed 001 lines 70-75 (database rollback: "Rollback database migrations … Restore
// from backup if needed") and seed 000 line 84 (a copy kept before the schema is restored):
// a plan that requires a backup dumps the real database into the incident's folder before it
// migrates down, and the record and the report say where the dump is and how big it is.
import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client as TemporalClient } from '@temporalio/client';
import { Client } from 'pg';
import type { Plan } from '../../src/plan/schema';
import { buildReport, renderMarkdown } from '../../src/report';
import { parsePlan } from '../../src/validation/parse';
import { recordQuery } from '../../src/workflows/messages';
import { connectClient, flagFile, startWorker, testDeps, type TestWorker, uniqueName } from '../support/harness';
import { startPostgres, type PostgresServer } from '../support/servers';
import { tempDir } from '../support/servers/process';
import { startRun } from './runs';

const run = promisify(execFile);

let client: TemporalClient;
let closeClient: () => Promise<void>;
let pg: PostgresServer;
let worker: TestWorker;
let work: string;

async function sql<T extends object>(text: string): Promise<T[]> {
  const db = new Client({ connectionString: pg.urlFor('shop') });
  await db.connect();
  try {
    return (await db.query<T>(text)).rows;
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  pg = await startPostgres();
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query('CREATE DATABASE shop');
  await admin.end();
  work = tempDir('db-backup');
  mkdirSync(join(work, 'migrations'));
  writeFileSync(join(work, 'migrations', '002.down.sql'), 'DROP TABLE loyalty;');
  worker = await startWorker(testDeps({ flagStorePath: await flagFile({}), secrets: { SHOP_DATABASE_URL: pg.urlFor('shop') } }));
});

afterAll(async () => {
  await worker?.shutdown();
  await pg?.stop();
  await closeClient?.();
});

function databasePlan(): Plan {
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('it-db')}
targets: { services: [ { name: shop } ] }
triggers:
  - { name: DataIntegrity, kind: manual, reason: data-integrity }
decisions:
  - { name: main, triggers: [DataIntegrity], rules: [ { outcome: { action: rollback, level: 4 } } ] }
authority: { roles: { dba: { members: [U0DBA00001] } } }
levels:
  - level: 4
    id: database
    name: database rollback
    steps:
      - { type: db.backup, name: dump before migrating down }
      - { type: db.migrateDown, to: "001" }
adapters:
  database:
    type: postgres
    urlEnv: SHOP_DATABASE_URL
    binDir: ${JSON.stringify(pg.bin)}
    migrations: { dir: ${JSON.stringify(join(work, 'migrations'))} }
    backups: { dir: ${JSON.stringify(join(work, 'backups'))}, required: true }
`,
    'database.yaml',
  );
}

test('a required backup: pg_dump into the incident’s folder before the migration goes down; recorded with its path and size', async () => {
  await sql(`
    CREATE TABLE schema_migrations (version text PRIMARY KEY);
    CREATE TABLE loyalty (customer int PRIMARY KEY, points int);
    INSERT INTO loyalty VALUES (1, 250), (2, 40);
    INSERT INTO schema_migrations VALUES ('001'), ('002');`);
  const plan = databasePlan();
  const handle = await startRun(client, worker.taskQueue, plan, 'DataIntegrity', { service: 'shop' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  expect(record.steps.map((s) => `${s.type} ${s.ok ? 'ok' : 'failed'}`)).toEqual(['db.backup ok', 'db.migrateDown ok']);
  const [backup, migrate] = record.steps;
  const file = backup.details?.file as string;
  // The incident's folder inside the plan's backups folder; the file is read back after pg_dump.
  expect(file.startsWith(join(work, 'backups', handle.workflowId.replace(/[^A-Za-z0-9._-]/g, '_')))).toBe(true);
  const bytes = statSync(file).size;
  expect(backup.details).toMatchObject({ bytes, readBack: { file, bytes } });
  expect(existsSync(`${file}.partial`)).toBe(false);
  expect(Date.parse(backup.endedAt)).toBeLessThanOrEqual(Date.parse(migrate.startedAt));

  // The migration dropped the table; the dump still has it, rows included.
  expect(await sql<{ version: string }>('SELECT version FROM schema_migrations')).toEqual([{ version: '001' }]);
  expect(await sql("SELECT to_regclass('loyalty') AS t")).toEqual([{ t: null }]);
  const { stdout } = await run(join(pg.bin, 'pg_restore'), ['--list', file]);
  expect(stdout).toMatch(/TABLE DATA public loyalty/);

  const report = buildReport(plan, record);
  expect(report.backups).toEqual([{ path: file, bytes, size: expect.stringMatching(/^\d+\.\d KiB$/), at: backup.endedAt, levelId: 'database' }]);
  expect(renderMarkdown(report)).toContain(
    `## Database Backups\n\n- \`${file}\` — ${report.backups![0].size} (${bytes} bytes), taken ${backup.endedAt} in level database`,
  );
});
