// Two worker processes on two "machines" (separate STATE_DIRs) share one step guard in
// PostgreSQL. The worker running `git checkout HEAD~1` is SIGKILLed after git moved HEAD,
// while the repository's post-checkout hook still runs; Temporal retries the step on the
// other worker. That worker finds the dead attempt's claim and pinned commit in the shared
// guard, reads HEAD back, and does not check out again — with a guard per machine it would
// resolve HEAD~1 anew and land one commit further back, running the hook twice.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { DEFAULT_GUARD_TABLE } from '../../src/adapters/idempotencyLedgerPostgres';
import { parsePlan } from '../../src/validation/parse';
import { recordQuery } from '../../src/workflows/messages';
import { createRepo } from '../support/gitRepo';
import { connectClient, eventually, flagFile, healthEndpoint, spawnWorkerProcess, uniqueName } from '../support/harness';
import { startPostgres, stopAll, type PostgresServer } from '../support/servers';
import { startRun } from './runs';

let client: Client;
let closeClient: () => Promise<void>;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let pg: PostgresServer;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  health = await healthEndpoint(200);
  pg = await startPostgres();
  const admin = new PgClient({ connectionString: pg.url });
  await admin.connect();
  await admin.query('CREATE DATABASE guard');
  await admin.end();
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await health?.close();
  await stopAll();
  await closeClient?.();
});

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

test('a worker killed mid-step: the step finishes on the other worker, each side effect once, and the record matches the targets', async () => {
  const world = mkdtempSync(join(process.env.ROLLBACK_TEST_DIR ?? tmpdir(), 'shared-guard-'));
  const flags = await flagFile({ new_checkout: true });
  const repo = createRepo();
  const good = repo.commit('v1: known good', { 'app.txt': 'v1\n' });
  repo.commit('v2: the bad release', { 'app.txt': 'v2\n' });
  // A slow post-checkout hook (a rebuild): it names the worker whose git runs it, then works for a while.
  const hookLog = join(world, 'hook.log');
  const hook = join(repo.dir, '.git/hooks/post-checkout');
  writeFileSync(hook, `#!/bin/sh\necho "$(awk '{print $4}' /proc/$PPID/stat)" >> ${JSON.stringify(hookLog)}\nsleep 4\n`);
  chmodSync(hook, 0o755);

  const plan = parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('shared-guard')}
targets: { services: [{ name: checkout }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels:
  - level: 1
    name: flag, then code
    steps:
      - { type: flag.disable, flag: new_checkout }
      - { type: command.run, name: announce, command: 'echo before >> actions.log' }
      - { type: git.checkout, ref: HEAD~1, timeout: 5s }
      - { type: command.run, name: restart, command: 'echo after >> actions.log' }
    checks: [health]
checks: { health: { type: http, url: "${health.url}", attempts: 2, delay: 200ms } }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
  commands: { cwd: ${JSON.stringify(world)} }
  git: { repo: ${JSON.stringify(repo.dir)} }
`,
    'shared-guard.yaml',
  );
  const taskQueue = uniqueName('shared-guard');
  const env = (machine: string) => ({
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLAG_STORE_PATH: flags,
    STATE_DIR: join(world, machine),
    STEP_GUARD: 'postgres',
    STEP_GUARD_DATABASE_URL: pg.urlFor('guard'),
  });
  const a = spawnWorkerProcess(env('machine-a'));
  const b = spawnWorkerProcess(env('machine-b'));
  workers.push(a, b);

  const handle = await startRun(client, taskQueue, plan, 'ServiceDown');
  // HEAD has moved and the hook runs: kill the worker whose git runs it.
  const [pid] = await eventually(
    () => lines(hookLog),
    (l) => l.length === 1,
    60_000,
  );
  const victim = [a, b].find((w) => String(w.pid) === pid);
  expect(victim).toBeDefined();
  const survivor = victim === a ? b : a;
  const gone = exited(victim!);
  victim!.kill('SIGKILL');
  expect(await gone).toBe('SIGKILL');
  const flagChangedAt = (await readFlagFile(flags)).flags.new_checkout?.updatedAt;

  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');

  // The targets: HEAD on the known-good commit (not one further back), the hook and each command once.
  expect(repo.head()).toBe(good);
  // A second checkout would have run the hook again, and its first line comes before the step could finish.
  expect(lines(hookLog)).toEqual([pid]);
  expect(lines(join(world, 'actions.log'))).toEqual(['before', 'after']);
  expect((await readFlagFile(flags)).flags.new_checkout).toMatchObject({ enabled: false, updatedAt: flagChangedAt });

  // The record says so: the checkout was found done by the dead attempt, read back from git.
  const steps = (await handle.query(recordQuery)).steps;
  const checkout = steps.find((s) => s.type === 'git.checkout');
  expect(checkout).toMatchObject({ ok: true, details: { resumed: true, pinnedRef: good, readBack: { head: good, commit: good } } });
  expect(checkout?.summary).toContain('done by an earlier attempt that ended without a result');

  // One guard for both machines: the dead worker's claims and the survivor's settle side by side.
  const sql = new PgClient({ connectionString: pg.urlFor('guard') });
  await sql.connect();
  const rows = (
    await sql.query<{ key: string; status: string; owner: string; attempt: number }>(
      `SELECT key, status, owner, attempt FROM ${DEFAULT_GUARD_TABLE} WHERE key LIKE $1 ORDER BY key`,
      [`${handle.workflowId}/%`],
    )
  ).rows;
  await sql.end();
  expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);
  const gitRow = rows.find((r) => r.key.endsWith('/2'))!;
  expect(gitRow).toMatchObject({ attempt: 2 });
  expect(gitRow.owner.endsWith(`/${survivor.pid}`)).toBe(true);

  survivor.kill('SIGTERM');
  await exited(survivor);
});
