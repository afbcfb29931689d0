// runStep: a step's command runs in the runbook's world, otherwise its adapter acts; a
// retried activity returns the recorded outcome instead of acting twice; a dry-run changes
// nothing; steps that cannot run here are refused, not retried.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../../src/adapters/errors';
import { FileFlagStore } from '../../../src/adapters/fileFlagStore';
import { GitSourceControl } from '../../../src/adapters/git';
import { MemoryIdempotencyLedger } from '../../../src/adapters/idempotencyLedger';
import type { ActionRecord, Cache, Database, TrafficRouter } from '../../../src/adapters/roles';
import { COMMAND_READ_BACK, type RunStepInput } from '../../../src/activities/runStep';
import { caught } from '../../support/caught';
import { createRepo } from '../../support/gitRepo';
import { flagsIn, recorded, step, stepWorld, type StepWorld } from '../../support/stepDeps';

function input(world: StepWorld, fields: Partial<RunStepInput> & Pick<RunStepInput, 'step'>): RunStepInput {
  return { incidentId: 'inc-7', stepKey: 'levels/git/0', environment: 'production', dryRun: false, adapters: world.adapters(), ...fields };
}

const runs = (world: StepWorld) => (existsSync(join(world.dir, 'runs')) ? readFileSync(join(world.dir, 'runs'), 'utf8').split('\n').filter(Boolean).length : 0);

describe('steps with a command', () => {
  test('the command runs with the ROLLBACK_* variables, and last-known-good resolves for the service', async () => {
    const world = await stepWorld();
    const record = await world.activities.runStep(
      input(world, {
        step: step({
          type: 'deploy.run',
          services: ['auth'],
          command: 'echo "$ROLLBACK_INCIDENT_ID $ROLLBACK_STEP_KEY $ROLLBACK_SERVICE $ROLLBACK_ENVIRONMENT $ROLLBACK_REF"',
        }),
        stepKey: 'levels/app/0/auth',
        service: 'auth',
        lastKnownGood: { auth: 'auth-2025.10.1', web: 'web-2025.10.1' },
      }),
    );
    expect(record).toMatchObject({ ok: true, exitCode: 0, output: 'inc-7 levels/app/0/auth auth production auth-2025.10.1\n' });
  });

  test("a typed step with a command runs the command, not the adapter (the runbook's own world)", async () => {
    const world = await stepWorld({ flags: { phase_4_deployment: true } });
    const record = await world.activities.runStep(
      input(world, { step: step({ type: 'flag.disable', flag: 'phase_4_deployment', command: 'echo posted to the flag API' }) }),
    );
    expect(record.output).toBe('posted to the flag API\n');
    expect(flagsIn(world).phase_4_deployment.enabled).toBe(true);
  });

  test('a failing command is ok false with its exit code and output, not a throw', async () => {
    const world = await stepWorld();
    const record = await world.activities.runStep(input(world, { step: step({ type: 'command.run', command: 'echo "no backup found" >&2; exit 1' }) }));
    expect(record).toMatchObject({ ok: false, exitCode: 1, output: 'no backup found\n' });
  });

  test('the step timeout kills the command', async () => {
    const world = await stepWorld();
    const record = await world.activities.runStep(input(world, { step: step({ type: 'command.run', command: 'sleep 30', timeout: '300ms' }) }));
    expect(record).toMatchObject({ ok: false, details: { timedOut: true, timeoutMs: 300 } });
  });

  test('the plan default timeout applies when the step has none', async () => {
    const world = await stepWorld();
    const record = await world.activities.runStep(input(world, { step: step({ type: 'command.run', command: 'sleep 30' }), defaultTimeout: '200ms' }));
    expect(record.details).toMatchObject({ timedOut: true, timeoutMs: 200 });
  });

  test("secret values are masked in the record (worker secrets and the plan's secretEnv)", async () => {
    const world = await stepWorld({
      deps: { secretNames: ['SLACK_WEBHOOK_URL'], env: { SLACK_WEBHOOK_URL: 'https://hooks.example/T0/B0/xyz', PD_KEY: 'pd-key-123456' } },
    });
    const record = await world.activities.runStep(
      input(world, {
        adapters: world.adapters({
          commands: { cwd: world.dir, env: { HOOK: 'https://hooks.example/T0/B0/xyz', PD: 'pd-key-123456' }, secretEnv: ['PD_KEY'] },
        }),
        step: step({ type: 'command.run', command: 'echo "$HOOK and $PD"' }),
      }),
    );
    expect(record.output).toBe('*** and ***\n');
  });
});

describe('idempotency: a retried activity does not act twice', () => {
  test('the same key returns the recorded outcome without running the command again', async () => {
    const world = await stepWorld();
    const run = input(world, { step: step({ type: 'command.run', command: 'echo run >> runs; echo "ran $(wc -l < runs) time(s)"' }) });
    const first = await world.activities.runStep(run);
    const retry = await world.activities.runStep(run);
    expect(runs(world)).toBe(1);
    expect(first.output).toBe('ran 1 time(s)\n');
    expect(retry).toEqual({ ...first, details: { ...first.details, replayed: true, readBack: COMMAND_READ_BACK } });
  });

  test('a failed command is an outcome too: the retry returns it rather than running again', async () => {
    const world = await stepWorld();
    const run = input(world, { step: step({ type: 'command.run', command: 'echo run >> runs; exit 4' }) });
    await world.activities.runStep(run);
    expect(await world.activities.runStep(run)).toMatchObject({ ok: false, exitCode: 4, details: { replayed: true } });
    expect(runs(world)).toBe(1);
  });

  test('another step key, or another incident, acts again', async () => {
    const world = await stepWorld();
    const s = step({ type: 'command.run', command: 'echo run >> runs' });
    await world.activities.runStep(input(world, { step: s }));
    await world.activities.runStep(input(world, { step: s, stepKey: 'levels/git/1' }));
    await world.activities.runStep(input(world, { step: s, incidentId: 'inc-8' }));
    expect(runs(world)).toBe(3);
  });

  test('an adapter that throws (retryable) records no outcome: the retry acts', async () => {
    let calls = 0;
    const cache: Cache = {
      flush(name) {
        calls++;
        if (calls === 1) return Promise.reject(new UnavailableError('redis', 'ECONNREFUSED'));
        return Promise.resolve(recorded(`flushed ${name}`));
      },
      size: () => Promise.resolve(0),
    };
    const world = await stepWorld({ infra: { cache } });
    const run = input(world, { step: step({ type: 'cache.flush', cache: 'sessions' }) });
    expect(await caught(world.activities.runStep(run))).toMatchObject({ type: 'Unavailable', nonRetryable: false });
    expect(await world.activities.runStep(run)).toEqual(recorded('flushed sessions', { readBack: { cache: 'sessions', keys: 0 } }));
    expect(await world.activities.runStep(run)).toMatchObject({ details: { replayed: true } });
    expect(calls).toBe(2);
  });

  test('a command whose attempt started and recorded nothing (worker died) runs again on the next attempt and says so', async () => {
    const run = { workflowId: 'rollback-web', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ deps: { execution: () => run } });
    await world.deps.ledger.claim('rollback-web/run-1/levels/git/0', { owner: 'other-host/42', attempt: 1, startedAt: '2026-11-24T09:59:00.000Z' });
    run.attempt = 2;
    const record = await world.activities.runStep(input(world, { step: step({ type: 'command.run', command: 'echo run >> runs' }) }));
    expect(record.details).toMatchObject({ resumed: true });
    expect(await world.deps.ledger.get('rollback-web/run-1/levels/git/0')).toMatchObject({ status: 'done', attempt: 2, startedAt: '2026-11-24T09:59:00.000Z' });
  });

  test('the same attempt claimed elsewhere is acting now: this one does not act, and may be retried', async () => {
    const run = { workflowId: 'rollback-web', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ deps: { execution: () => run } });
    await world.deps.ledger.claim('rollback-web/run-1/levels/git/0', { owner: 'other-host/42', attempt: 1, startedAt: '2026-11-24T09:59:00.000Z' });
    const error = await caught(world.activities.runStep(input(world, { step: step({ type: 'command.run', command: 'echo run >> runs' }) })));
    expect(error).toMatchObject({ type: 'StepInProgress', nonRetryable: false });
    expect((error as Error).message).toContain('attempt 1 on other-host/42');
    expect(runs(world)).toBe(0);
  });

  test('git.checkout HEAD~1 retried after its result was lost lands on the same commit, not one further back', async () => {
    const repo = createRepo();
    repo.commit('one', { 'app.txt': '1' });
    const two = repo.commit('two', { 'app.txt': '2' });
    repo.commit('three', { 'app.txt': '3' });
    const git = new GitSourceControl(repo.dir);
    let lose = true;
    const world = await stepWorld({
      deps: {
        sourceControl: () =>
          Object.assign(Object.create(git) as GitSourceControl, {
            async checkout(ref: string, paths?: string[]): Promise<ActionRecord> {
              const record = await git.checkout(ref, paths);
              if (lose) {
                lose = false;
                throw new UnavailableError('worker', 'connection lost after the checkout');
              }
              return record;
            },
          }),
      },
    });
    const run = input(world, { step: step({ type: 'git.checkout', ref: 'HEAD~1' }), adapters: world.adapters({ git: { repo: repo.dir } }) });
    await caught(world.activities.runStep(run));
    expect(repo.head()).toBe(two);
    const record = await world.activities.runStep(run);
    expect(repo.head()).toBe(two);
    expect(record).toMatchObject({ ok: true, details: { commit: two } });
  });
});

describe('steps without a command: the adapter for the type', () => {
  test('flag.disable and flag.enable use the flag store; disabling twice changes nothing', async () => {
    const world = await stepWorld({ flags: { phase_4_deployment: true, maintenance: false } });
    const off = await world.activities.runStep(input(world, { step: step({ type: 'flag.disable', flag: 'phase_4_deployment' }) }));
    expect(off).toEqual({
      ok: true,
      summary: 'flag phase_4_deployment turned off',
      details: {
        flag: 'phase_4_deployment',
        changed: true,
        previous: true,
        readBack: { flag: 'phase_4_deployment', enabled: false, store: `the flag file ${world.flagPath}` },
      },
    });
    const again = await world.activities.runStep(input(world, { step: step({ type: 'flag.disable', flag: 'phase_4_deployment' }), stepKey: 'other' }));
    expect(again.summary).toBe('flag phase_4_deployment was already off');
    const on = await world.activities.runStep(input(world, { step: step({ type: 'flag.enable', flag: 'maintenance' }), stepKey: 'on' }));
    expect(on.summary).toBe('flag maintenance turned on');
    const flags = flagsIn(world);
    expect([flags.phase_4_deployment.enabled, flags.maintenance.enabled, flags.maintenance.updatedBy]).toEqual([false, true, 'rollback inc-7']);
  });

  test('an unknown flag is refused without retries', async () => {
    const world = await stepWorld({ flags: { a: true } });
    expect(await caught(world.activities.runStep(input(world, { step: step({ type: 'flag.disable', flag: 'b' }) })))).toMatchObject({
      type: 'UnknownFlag',
      nonRetryable: true,
    });
  });

  test("git.checkout of a tag and config.revert of one path act on the plan's repository", async () => {
    const repo = createRepo();
    const v1 = repo.commit('v1', { 'app.txt': 'v1\n', 'config/app.json': '{"pool":10}\n' });
    repo.git('tag', 'v1.2.3-stable');
    repo.commit('v2', { 'app.txt': 'v2\n', 'config/app.json': '{"pool":0}\n' });
    const world = await stepWorld();
    const adapters = world.adapters({ git: { repo: repo.dir } });

    const revert = await world.activities.runStep(
      input(world, {
        adapters,
        step: step({ type: 'config.revert', path: 'config/app.json', ref: 'last-known-good' }),
        service: 'web',
        lastKnownGood: { web: 'v1.2.3-stable' },
      }),
    );
    expect(revert).toMatchObject({ ok: true, command: 'git checkout v1.2.3-stable -- config/app.json' });
    expect(readFileSync(join(repo.dir, 'config/app.json'), 'utf8')).toBe('{"pool":10}\n');
    expect(readFileSync(join(repo.dir, 'app.txt'), 'utf8')).toBe('v2\n');

    const checkout = await world.activities.runStep(
      input(world, { adapters, step: step({ type: 'git.checkout', ref: 'v1.2.3-stable' }), stepKey: 'levels/code/0' }),
    );
    expect(checkout).toMatchObject({ ok: true, details: { commit: v1 } });
    expect(repo.head()).toBe(v1);
  });

  test('traffic.shift, cache.flush, db.migrateDown and db.restore call their adapters and record what each reads back', async () => {
    const calls: string[] = [];
    let weights = { control: 0, treatment: 100 };
    let migrations = ['20240101120000', '20240115090000'];
    const traffic: TrafficRouter = {
      shift: (service, pool, percent) => {
        calls.push(`shift ${service} ${pool} ${percent}`);
        weights = { control: 100, treatment: 0 };
        return Promise.resolve(recorded('shifted'));
      },
      activeRequests: () => Promise.resolve(0),
      weights: () => Promise.resolve(weights),
      readBack: () => Promise.resolve({ weights, source: 'the router' }),
    };
    const cache: Cache = {
      flush: (name) => {
        calls.push(`flush ${name}`);
        return Promise.resolve(recorded('flushed'));
      },
      size: () => Promise.resolve(0),
    };
    const database: Database = {
      migrateDown: (to) => {
        calls.push(`down ${to}`);
        migrations = ['20240101120000'];
        return Promise.resolve(recorded('migrated'));
      },
      restore: (backup) => {
        calls.push(`restore ${backup}`);
        return Promise.resolve(recorded('restored'));
      },
      backup: () => Promise.resolve(recorded('dumped')),
      backups: () => Promise.resolve([]),
      readBack: () => Promise.resolve({ tables: 3, migrations }),
    };
    const world = await stepWorld({ infra: { traffic, cache, database } });
    const steps = [
      step({ type: 'traffic.shift', to: 'control', percent: 100 }),
      step({ type: 'cache.flush', cache: 'sessions' }),
      step({ type: 'db.migrateDown', to: '20240101120000' }),
      step({ type: 'db.restore', backup: 'prod-2024-01-15' }),
    ];
    const records = [];
    for (const [i, s] of steps.entries()) records.push(await world.activities.runStep(input(world, { step: s, stepKey: `s/${i}`, service: 'hedging' })));
    expect(calls).toEqual(['shift hedging control 100', 'flush sessions', 'down 20240101120000', 'restore prod-2024-01-15']);
    expect(records.map((r) => [r.ok, r.details?.readBack])).toEqual([
      [true, { weights: { control: 100, treatment: 0 }, source: 'the router' }],
      [true, { cache: 'sessions', keys: 0 }],
      [true, { to: '20240101120000', applied: ['20240101120000'] }],
      [true, { backup: 'prod-2024-01-15', tables: 3, migrations: ['20240101120000'] }],
    ]);
  });
});

describe('the record is read back from the target', () => {
  test("a target that does not take the change fails the step, in the target's words", async () => {
    // A router that accepts the new weights and keeps serving the old ones (the pool's servers are down).
    const traffic: TrafficRouter = {
      shift: () => Promise.resolve(recorded('hedging: control 100 %')),
      activeRequests: () => Promise.resolve(0),
      weights: () => Promise.resolve({ control: 0, treatment: 100 }),
      readBack: () => Promise.resolve({ weights: { control: 0, treatment: 100 }, source: 'the router', idle: { ctl1: 'DOWN' } }),
    };
    const world = await stepWorld({ infra: { traffic } });
    const record = await world.activities.runStep(input(world, { step: step({ type: 'traffic.shift', to: 'control', percent: 100 }), service: 'hedging' }));
    expect(record).toMatchObject({
      ok: false,
      summary: 'shift 100% of hedging traffic to control did not take: the router says hedging: control 0 %, treatment 100 % (idle: ctl1 DOWN)',
      details: { reported: 'hedging: control 100 %' },
    });
  });

  test("git: HEAD after a checkout, and the restored paths' content after a config revert", async () => {
    const repo = createRepo();
    const v1 = repo.commit('v1', { 'app.txt': 'v1\n', 'config/app.json': '{"pool":10}\n' });
    repo.commit('v2', { 'app.txt': 'v2\n', 'config/app.json': '{"pool":0}\n' });
    const world = await stepWorld();
    const adapters = world.adapters({ git: { repo: repo.dir } });
    const revert = await world.activities.runStep(input(world, { adapters, step: step({ type: 'config.revert', path: 'config/app.json', ref: 'HEAD~1' }) }));
    expect(revert).toMatchObject({ ok: true, details: { readBack: { commit: v1, paths: ['config/app.json'], differing: [] } } });
    const checkout = await world.activities.runStep(input(world, { adapters, step: step({ type: 'git.checkout', ref: 'HEAD~1' }), stepKey: 'levels/code/0' }));
    expect(checkout).toMatchObject({ ok: true, details: { readBack: { head: v1, commit: v1 } } });
  });
});

describe('the guard is per run: the same incident id run again acts again (issue 7, defect 1)', () => {
  test('a second run of the incident turns the flag off again, and says it did', async () => {
    const run = { workflowId: 'rollback-demo-checkout', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ flags: { new_checkout: true }, deps: { execution: () => run } });
    const disable = input(world, { incidentId: 'rollback-demo-checkout', stepKey: 'L1#1/0', step: step({ type: 'flag.disable', flag: 'new_checkout' }) });
    expect((await world.activities.runStep(disable)).summary).toBe('flag new_checkout turned off');

    await new FileFlagStore(world.flagPath).enable('new_checkout', 'a person, after the incident');
    run.runId = 'run-2';
    const again = await world.activities.runStep(disable);
    expect(again).toMatchObject({ ok: true, summary: 'flag new_checkout turned off', details: { changed: true } });
    expect(again.details?.replayed).toBeUndefined();
    expect(flagsIn(world).new_checkout.enabled).toBe(false);
  });

  test('a retry that finds the step done asks the target: agreeing, it replays; contradicted, it says so and acts again', async () => {
    const run = { workflowId: 'rollback-demo-checkout', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ flags: { new_checkout: true }, deps: { execution: () => run } });
    const disable = input(world, { stepKey: 'L1#1/0', step: step({ type: 'flag.disable', flag: 'new_checkout' }) });
    await world.activities.runStep(disable);

    run.attempt = 2; // the first attempt's result was lost
    expect(await world.activities.runStep(disable)).toMatchObject({
      summary: 'flag new_checkout turned off',
      details: { replayed: true, readBack: { enabled: false } },
    });

    await new FileFlagStore(world.flagPath).enable('new_checkout', 'a saboteur');
    run.attempt = 3;
    const again = await world.activities.runStep(disable);
    expect(again).toMatchObject({
      ok: true,
      summary: 'flag new_checkout turned off',
      details: {
        changed: true,
        guard: `the guard recorded "flag new_checkout turned off" but the flag file ${world.flagPath} says new_checkout is on: acted again`,
      },
    });
    expect(flagsIn(world).new_checkout.enabled).toBe(false);
  });

  test('an attempt that died after acting: the next one reads the target and does not act again', async () => {
    const run = { workflowId: 'rollback-demo-checkout', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ flags: { new_checkout: true }, deps: { execution: () => run } });
    // The dead attempt claimed the step and turned the flag off, then its worker died.
    await world.deps.ledger.claim('rollback-demo-checkout/run-1/L1#1/0', { owner: 'dead-host/7', attempt: 1, startedAt: '2026-11-24T09:59:00.000Z' });
    await new FileFlagStore(world.flagPath).disable('new_checkout', 'rollback inc-7');
    const changedAt = flagsIn(world).new_checkout.updatedAt;
    run.attempt = 2;
    const record = await world.activities.runStep(input(world, { stepKey: 'L1#1/0', step: step({ type: 'flag.disable', flag: 'new_checkout' }) }));
    expect(record).toMatchObject({
      ok: true,
      summary: `disable flag new_checkout: done by an earlier attempt that ended without a result; the flag file ${world.flagPath} says new_checkout is off`,
      details: { resumed: true },
    });
    expect(flagsIn(world).new_checkout.updatedAt).toBe(changedAt);
  });

  test('a restore whose attempt died mid-step is not repeated: nothing tells whether it took, so a person decides', async () => {
    const restores: string[] = [];
    const database: Database = {
      migrateDown: () => Promise.resolve(recorded('x')),
      restore: (backup) => {
        restores.push(backup);
        return Promise.resolve(recorded(`restored ${backup}`));
      },
      backup: () => Promise.resolve(recorded('dumped')),
      backups: () => Promise.resolve([]),
      readBack: () => Promise.resolve({ tables: 12 }),
    };
    const run = { workflowId: 'w', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ infra: { database }, deps: { execution: () => run } });
    await world.deps.ledger.claim('w/run-1/levels/git/0', { owner: 'dead-host/7', attempt: 1, startedAt: '2026-11-24T09:59:00.000Z' });
    run.attempt = 2;
    const record = await world.activities.runStep(input(world, { step: step({ type: 'db.restore', backup: 'prod-2024-01-15' }) }));
    expect(record).toMatchObject({
      ok: false,
      summary:
        'restore the database from prod-2024-01-15: an earlier attempt ended without a result and nothing tells whether it took (the database answers after restoring prod-2024-01-15: 12 tables); not repeated',
    });
    expect(restores).toEqual([]);
  });

  test('a command cannot be read back: a retry that finds it done keeps its record and says so', async () => {
    const run = { workflowId: 'w', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ deps: { execution: () => run } });
    const command = input(world, { step: step({ type: 'command.run', command: 'echo run >> runs' }) });
    await world.activities.runStep(command);
    run.attempt = 2;
    expect((await world.activities.runStep(command)).details).toMatchObject({ replayed: true, readBack: COMMAND_READ_BACK });
    expect(runs(world)).toBe(1);
  });

  test('an attempt that died while replaying leaves the outcome in place: the next one replays it too', async () => {
    const run = { workflowId: 'w', runId: 'run-1', attempt: 1 };
    const world = await stepWorld({ deps: { execution: () => run } });
    const command = input(world, { step: step({ type: 'command.run', command: 'echo run >> runs' }) });
    await world.activities.runStep(command);
    // Attempt 2 claimed the step to replay it, and its worker died before settling.
    await world.deps.ledger.claim('w/run-1/levels/git/0', { owner: 'dead-host/7', attempt: 2, startedAt: '2026-11-24T10:01:00.000Z' });
    run.attempt = 3;
    expect((await world.activities.runStep(command)).details).toMatchObject({ replayed: true });
    expect(runs(world)).toBe(1);
  });
});

describe('dry-run: nothing changes anywhere', () => {
  test('the command is recorded, not run; the flag file is untouched; no ledger is written', async () => {
    const world = await stepWorld({ flags: { phase_4_deployment: true } });
    const before = readFileSync(world.flagPath, 'utf8');
    const mtime = statSync(world.flagPath).mtimeMs;
    const command = await world.activities.runStep(input(world, { dryRun: true, step: step({ type: 'command.run', command: 'touch marker' }) }));
    expect(command).toMatchObject({ ok: true, dryRun: true, command: 'touch marker', summary: 'would run: touch marker' });
    const flag = await world.activities.runStep(input(world, { dryRun: true, step: step({ type: 'flag.disable', flag: 'phase_4_deployment' }) }));
    expect(flag).toMatchObject({ ok: true, dryRun: true, summary: 'would disable flag phase_4_deployment' });
    expect(existsSync(join(world.dir, 'marker'))).toBe(false);
    expect(readFileSync(world.flagPath, 'utf8')).toBe(before);
    expect(statSync(world.flagPath).mtimeMs).toBe(mtime);
    expect(existsSync(world.ledgerDir)).toBe(false);
  });

  test('adapter actions are only described: the git repository and the traffic router are not touched', async () => {
    const repo = createRepo();
    repo.commit('one', { 'a.txt': '1' });
    const head = repo.commit('two', { 'a.txt': '2' });
    let shifted = false;
    const traffic: TrafficRouter = {
      shift: () => {
        shifted = true;
        return Promise.resolve(recorded('x'));
      },
      activeRequests: () => Promise.resolve(0),
      weights: () => Promise.resolve({}),
      readBack: () => Promise.resolve({ weights: {}, source: 'x' }),
    };
    const world = await stepWorld({ infra: { traffic } });
    const adapters = world.adapters({ git: { repo: repo.dir } });
    const checkout = await world.activities.runStep(input(world, { adapters, dryRun: true, step: step({ type: 'git.checkout', ref: 'HEAD~1' }) }));
    expect(checkout).toMatchObject({ dryRun: true, summary: 'would check out HEAD~1' });
    const shift = await world.activities.runStep(
      input(world, { adapters, dryRun: true, service: 'api', step: step({ type: 'traffic.shift', to: 'baseline' }) }),
    );
    expect(shift.summary).toBe('would shift 100% of api traffic to baseline');
    expect(repo.head()).toBe(head);
    expect(shifted).toBe(false);
  });

  test('a dry-run still refuses a step that could not run for real', async () => {
    const world = await stepWorld();
    expect(await caught(world.activities.runStep(input(world, { dryRun: true, step: step({ type: 'deploy.run', ref: 'v1' }) })))).toMatchObject({
      type: 'InvalidStep',
      message: 'deploy.run needs a command',
    });
  });
});

describe('refusals: non-retryable InvalidStep', () => {
  const cases: [string, Record<string, unknown>, string, Partial<RunStepInput>][] = [
    ['deploy.run without a command', { type: 'deploy.run', ref: 'v1' }, 'deploy.run needs a command', {}],
    ['service.restart without a command', { type: 'service.restart', service: 'api' }, 'service.restart needs a command', {}],
    ['traffic.shift without a router', { type: 'traffic.shift', to: 'control' }, 'traffic.shift needs adapters.traffic (or a command)', { service: 'api' }],
    ['cache.flush without a cache', { type: 'cache.flush', cache: 'x' }, 'cache.flush needs adapters.cache (or a command)', {}],
    ['db.restore without a database', { type: 'db.restore', backup: 'x' }, 'db.restore needs adapters.database (or a command)', {}],
    ['git.checkout without a repository', { type: 'git.checkout', ref: 'v1' }, 'git.checkout needs adapters.git (or a command)', {}],
    ['config.revert without a repository', { type: 'config.revert', path: 'config/', ref: 'HEAD~1' }, 'config.revert needs adapters.git (or a command)', {}],
    ['wait (a workflow timer)', { type: 'wait', duration: '10s' }, 'wait steps are run by a workflow timer, not by runStep', {}],
    [
      'traffic.drain',
      { type: 'traffic.drain', wait: '30s' },
      'traffic.drain steps are run by workflow timers and the activeRequests activity, not by runStep',
      {},
    ],
    [
      'notify.slack',
      { type: 'notify.slack', template: 'x', command: 'curl …' },
      'notify.slack steps are run by the workflow notifications, not by runStep',
      {},
    ],
    [
      'last-known-good without one',
      { type: 'deploy.run', command: 'deploy' },
      'service "web" has no lastKnownGood ref for deploy.run',
      { service: 'web', lastKnownGood: { api: 'v1' } },
    ],
    ['last-known-good without a service', { type: 'git.checkout', ref: 'last-known-good' }, 'git.checkout with ref last-known-good needs a service', {}],
  ];
  test.each(cases)('%s', async (_, fields, message, extra) => {
    const world = await stepWorld();
    const error = await caught(world.activities.runStep(input(world, { step: step(fields), ...extra })));
    expect(error).toMatchObject({ type: 'InvalidStep', nonRetryable: true, message });
  });

  test('a refused step leaves no ledger entry', async () => {
    const ledger = new MemoryIdempotencyLedger();
    const world = await stepWorld({ deps: { ledger } });
    await caught(world.activities.runStep(input(world, { step: step({ type: 'deploy.run' }) })));
    expect(await ledger.get('inc-7/outside-temporal/levels/git/0')).toBeUndefined();
  });
});

describe('activeRequests', () => {
  test('asks the traffic router for the service', async () => {
    const traffic: TrafficRouter = {
      shift: () => Promise.resolve(recorded('x')),
      activeRequests: (s) => Promise.resolve(s === 'api' ? 12 : 0),
      weights: () => Promise.resolve({}),
      readBack: () => Promise.resolve({ weights: {}, source: 'x' }),
    };
    const world = await stepWorld({ infra: { traffic } });
    expect(await world.activities.activeRequests({ adapters: world.adapters(), service: 'api' })).toBe(12);
  });

  test('without a router it is refused', async () => {
    const world = await stepWorld();
    expect(await caught(world.activities.activeRequests({ adapters: world.adapters(), service: 'api' }))).toMatchObject({
      type: 'InvalidStep',
      nonRetryable: true,
      message: 'traffic.drain with maxActive needs adapters.traffic',
    });
  });
});
