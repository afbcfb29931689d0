// Issue 7 defect 11: an alert without a `migration` label escalated into the reserves-v11
// database level (`migrations: [reversible]`) and tried to run its SQL. Fail-safe now: the
// level runs only when the migration is known to be reversible; with an unknown kind the
// plan's authority is asked (default hold) and, unanswered, the SQL never reaches the
// database. Real PostgreSQL; the level's SQL is the seed plan's own.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Client as TemporalClient } from '@temporalio/client';
import { Client } from 'pg';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { recordQuery } from '../../src/workflows/messages';
import { connectClient, flagFile, startWorker, testDeps, type TestWorker } from '../support/harness';
import { startPostgres, type PostgresServer } from '../support/servers';
import { events, startRun } from './runs';
import { seedPlan } from './seeds/seedPlan';

let client: TemporalClient;
let closeClient: () => Promise<void>;
let pg: PostgresServer;
let worker: TestWorker;

async function tables(): Promise<string[]> {
  const sql = new Client({ connectionString: pg.url });
  await sql.connect();
  try {
    return (await sql.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'reserves_audit%' ORDER BY 1")).rows.map(
      (r) => r.name,
    );
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  pg = await startPostgres();
  worker = await startWorker(testDeps({ flagStorePath: await flagFile({}), secrets: { DATABASE_URL: pg.url } }));
});

afterAll(async () => {
  await worker?.shutdown();
  await pg?.stop();
  await closeClient?.();
});

beforeEach(async () => {
  const sql = new Client({ connectionString: pg.url });
  await sql.connect();
  await sql.query('DROP TABLE IF EXISTS reserves_audit, reserves_audit_v11_backup; CREATE TABLE reserves_audit (id int)');
  await sql.end();
});

/** Seed 000: the kill switch does not restore service, so the run escalates into the database level. */
async function reservesPlan() {
  const world = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? '/tmp', 'reserves-'));
  const flags = await flagFile({ ff_reserves_v11: true, shadow_compare: true });
  return {
    flags,
    plan: seedPlan('reserves-v11', (doc) => {
      doc.adapters = { flags: { type: 'file', path: flags }, commands: { cwd: world } };
      doc.defaults = { askWindow: '2s' };
      doc.notifications = { templates: {} };
      const [killSwitch, , database] = doc.levels;
      killSwitch.checks = ['errors-continue'];
      killSwitch.onFailure = 'database';
      database.checks = ['audit-renamed'];
      doc.levels = [killSwitch, database];
      doc.targets.services[0].checks = [];
      doc.checks = {
        'errors-continue': { type: 'command', command: 'echo "errors still at 0.4%"; exit 1', timeout: '5s' },
        'audit-renamed': {
          type: 'command',
          command: `psql "$DATABASE_URL" -tAc "SELECT to_regclass('reserves_audit_v11_backup')" | grep -qx reserves_audit_v11_backup`,
          timeout: '10s',
        },
      };
    }),
  };
}

test('no migration label: the reversible-only database level is put to the on-call, and unanswered its SQL never runs', async () => {
  const { plan, flags } = await reservesPlan();
  const handle = await startRun(client, worker.taskQueue, plan, 'ReservesErrorRate', { service: 'reserves', value: '0.4%' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(await tables()).toEqual(['reserves_audit']);
  expect(record.steps.map((s) => `${s.levelId} ${s.type}`)).toEqual(['kill-switch flag.disable', 'kill-switch flag.disable']);
  expect(result.outcome).toBe('rollback-unverified');
  expect(events(record)).toContain(
    'approval requested: level database (restore previous reserves_audit schema): migration kind unknown — approve only if it is reversible',
  );
  const refused = record.timeline.find((e) => e.event === 'level refused');
  expect(refused?.detail).toBe(
    'level database (restore previous reserves_audit schema) runs only when the migration is reversible, and the migration kind is unknown; nobody decided within 2s; plan default is hold',
  );
  expect(record.followUps).toContain(
    'Find out the migration kind of the reserves release: level database (restore previous reserves_audit schema) did not run',
  );
  expect((await readFlagFile(flags)).flags.ff_reserves_v11?.enabled).toBe(false);
});

test('a release labelled reversible: the same escalation runs the SQL on the database', async () => {
  const { plan } = await reservesPlan();
  const handle = await startRun(client, worker.taskQueue, plan, 'ReservesErrorRate', {
    service: 'reserves',
    value: '0.4%',
    context: { migration: 'reversible' },
  });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  expect(await tables()).toEqual(['reserves_audit_v11_backup']);
  expect(record.steps.at(-1)).toMatchObject({ levelId: 'database', type: 'db.migrateDown', ok: true });
  expect(events(record)).not.toContain('level refused');
});
