// The worker's step guard is chosen by configuration and checked at boot: the file guard by
// default, PostgreSQL only with a postgres:// URL (never echoed: it may hold a password).
import { ConfigError, readConfig, WorkerEnv } from '../../../src/config';
import { FileIdempotencyLedger } from '../../../src/adapters/idempotencyLedger';
import { PostgresIdempotencyLedger } from '../../../src/adapters/idempotencyLedgerPostgres';
import { stepGuard } from '../../../src/worker/deps';

const boot = (env: Record<string, string>) => readConfig(WorkerEnv, { STATE_DIR: '/var/lib/rollback', ...env });

test('by default the guard is files in STATE_DIR', () => {
  const guard = stepGuard(boot({}));
  expect(guard).toBeInstanceOf(FileIdempotencyLedger);
  expect((guard as FileIdempotencyLedger).dir).toBe('/var/lib/rollback/steps');
});

test('STEP_GUARD=postgres with a URL is the shared guard', async () => {
  const guard = stepGuard(boot({ STEP_GUARD: 'postgres', STEP_GUARD_DATABASE_URL: 'postgres://rollback:pw@db.internal:5432/rollback' }));
  expect(guard).toBeInstanceOf(PostgresIdempotencyLedger);
  await guard.close?.();
});

test.each([
  ['postgres without a URL', { STEP_GUARD: 'postgres' }, 'STEP_GUARD_DATABASE_URL: STEP_GUARD=postgres needs STEP_GUARD_DATABASE_URL'],
  [
    'a URL of another database',
    { STEP_GUARD: 'postgres', STEP_GUARD_DATABASE_URL: 'mysql://rollback:hunter2-secret@db/rollback' },
    'STEP_GUARD_DATABASE_URL: must be a postgres:// URL',
  ],
  ['an unknown store', { STEP_GUARD: 'redis' }, 'STEP_GUARD:'],
])('%s stops the worker at boot, naming the variable', (_, env, message) => {
  let error: unknown;
  try {
    boot(env);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(message);
  expect((error as Error).message).not.toContain('hunter2-secret');
});
