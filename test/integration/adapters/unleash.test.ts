// UnleashFlagStore against a real Unleash (unleash-server on a real PostgreSQL, started once
// for this file): what a step does is asserted as Unleash's own admin API reports it
// afterwards, and every refusal says what to fix without showing the token.
import { expect } from '@jest/globals';
import { RefusedError, RejectedError, UnavailableError } from '../../../src/adapters/errors';
import { flagStoreFor } from '../../../src/adapters/factory';
import { UnknownFlagError } from '../../../src/adapters/flagStore';
import { rolloutReadBack } from '../../../src/activities/readBack';
import { AdaptersSchema } from '../../../src/plan/language/plan';
import { caught } from '../../support/caught';
import { startUnleash, type UnleashServer } from '../../support/servers';
import { freePort } from '../../support/servers/process';
import { step, stepWorld } from '../../support/stepDeps';

const TOKEN_ENV = 'UNLEASH_ADMIN_TOKEN';

let unleash: UnleashServer;
let flagCount = 0;

beforeAll(async () => {
  unleash = await startUnleash();
});
afterAll(() => unleash?.stop());

/** The plan's `adapters.flags` block for this Unleash. */
function flagsConfig(fields: Record<string, unknown> = {}) {
  return AdaptersSchema.parse({ flags: { type: 'unleash', url: unleash.url, project: 'default', tokenEnv: TOKEN_ENV, ...fields } }).flags;
}

/** The store a worker builds for a run in `environment`, with `token` in its environment (none with null). */
function store(environment = 'production', token: string | null = unleash.adminToken, fields: Record<string, unknown> = {}) {
  return flagStoreFor(flagsConfig(fields), environment, '/nonexistent/flags.json', token === null ? {} : { [TOKEN_ENV]: token });
}

/** A new flag in the default project, on in production only, with Unleash's default strategy there. */
async function newFlag(enabled = true): Promise<string> {
  const name = `it_flag_${++flagCount}`;
  await unleash.createFlag(name);
  if (enabled) await unleash.admin('POST', `/projects/default/features/${name}/environments/production/on`);
  return name;
}

interface AdminEnvironment {
  enabled: boolean;
  strategies: { id: string; name: string; parameters: Record<string, string>; constraints: unknown[]; variants: { name: string; weight: number }[] }[];
}

/** What Unleash's admin API says about a flag in an environment. */
function inUnleash(flag: string, environment = 'production'): Promise<AdminEnvironment> {
  return unleash.admin('GET', `/projects/default/features/${flag}/environments/${environment}`);
}

test('disable turns the flag off in its environment only, and a second disable changes nothing', async () => {
  const flag = await newFlag();
  await unleash.admin('POST', `/projects/default/features/${flag}/environments/development/on`);

  expect(await store().disable(flag, 'rollback inc-1')).toEqual({ flag, changed: true, previous: true });

  expect((await inUnleash(flag)).enabled).toBe(false);
  expect((await inUnleash(flag, 'development')).enabled).toBe(true);
  expect(await store().isEnabled(flag)).toBe(false);
  expect(await store().disable(flag, 'retry')).toEqual({ flag, changed: false, previous: false });
});

test('enable turns it back on with the strategy it had', async () => {
  const flag = await newFlag();
  await store().rollout(flag, { percent: 30 }, 'canary');
  await store().disable(flag, 'kill switch');

  expect(await store().enable(flag, 'all clear')).toEqual({ flag, changed: true, previous: false });

  const production = await inUnleash(flag);
  expect(production.enabled).toBe(true);
  expect(production.strategies.map((s) => [s.name, s.parameters.rollout])).toEqual([['flexibleRollout', '30']]);
});

test('a rollout percentage is the flag’s one flexibleRollout strategy; a variant is that strategy’s only variant', async () => {
  const flag = await newFlag(false);

  expect(await store().rollout(flag, { percent: 25 }, 'rollback inc-2')).toEqual({
    flag,
    changed: true,
    previous: { enabled: false, percent: 100, variant: undefined },
  });
  let production = await inUnleash(flag);
  expect(production.enabled).toBe(true);
  expect(production.strategies).toEqual([
    expect.objectContaining({ name: 'flexibleRollout', parameters: { rollout: '25', stickiness: 'default', groupId: flag }, variants: [] }),
  ]);
  const strategyId = production.strategies[0].id;

  // A variant alone keeps the share; a share alone keeps the variant; the strategy stays the same one.
  await store().rollout(flag, { variant: 'control' }, 'rollback inc-2');
  await store().rollout(flag, { percent: 5 }, 'rollback inc-2');
  production = await inUnleash(flag);
  expect(production.strategies).toEqual([
    expect.objectContaining({
      id: strategyId,
      name: 'flexibleRollout',
      parameters: expect.objectContaining({ rollout: '5' }),
      variants: [expect.objectContaining({ name: 'control', weight: 1000 })],
    }),
  ]);
  expect(await store().state(flag)).toEqual({ enabled: true, percent: 5, variant: 'control' });
  // The same rollout again writes nothing.
  expect((await store().rollout(flag, { percent: 5, variant: 'control' }, 'retry')).changed).toBe(false);
  // Development was never touched.
  expect((await inUnleash(flag, 'development')).enabled).toBe(false);
});

test('a rollout keeps the constraints and stickiness a team gave its strategy', async () => {
  const flag = await newFlag(false);
  const constraints = [{ contextName: 'appName', operator: 'IN', values: ['reserves'], caseInsensitive: false, inverted: false }];
  await unleash.admin('POST', `/projects/default/features/${flag}/environments/production/strategies`, {
    name: 'flexibleRollout',
    parameters: { rollout: '50', stickiness: 'userId', groupId: 'reserves-rollout' },
    constraints,
  });

  await store().rollout(flag, { percent: 0 }, 'rollback inc-3');

  const [strategy] = (await inUnleash(flag)).strategies;
  expect(strategy).toMatchObject({ parameters: { rollout: '0', stickiness: 'userId', groupId: 'reserves-rollout' }, constraints });
});

test('read back: the state Unleash reports is judged against the intent, in Unleash’s words', async () => {
  const flag = await newFlag(false);
  const location = store().location;
  await store().rollout(flag, { percent: 10, variant: 'control' }, 'rollback inc-4');
  expect(rolloutReadBack(flag, { percent: 10, variant: 'control' }, await store().state(flag), location)).toEqual({
    holds: true,
    says: `Unleash ${unleash.url} (project default, environment production) says ${flag} is on for 10 % of users, variant control`,
    state: { flag, enabled: true, percent: 10, variant: 'control', store: location },
  });
  // Someone turns it off in Unleash: the same intent no longer holds.
  await unleash.admin('POST', `/projects/default/features/${flag}/environments/production/off`);
  expect(rolloutReadBack(flag, { percent: 10 }, await store().state(flag), location)).toMatchObject({ holds: false, says: expect.stringMatching(/ is off$/) });

  // A flag.disable step on Unleash records what Unleash says after acting.
  const on = await newFlag();
  const world = await stepWorld({ deps: { flagStore: (config, environment) => flagStoreFor(config, environment, '', { [TOKEN_ENV]: unleash.adminToken }) } });
  const record = await world.activities.runStep({
    incidentId: 'inc-4',
    stepKey: 'L1#1/0',
    step: step({ type: 'flag.disable', flag: on }),
    environment: 'production',
    dryRun: false,
    adapters: AdaptersSchema.parse({ flags: flagsConfig() }),
  });
  expect(record).toMatchObject({ ok: true, summary: `flag ${on} turned off`, details: { readBack: { flag: on, enabled: false, store: location } } });
  expect((await inUnleash(on)).enabled).toBe(false);
});

test('a flag.rollout step on Unleash dials the flag back, and its record is what Unleash says', async () => {
  const flag = await newFlag();
  const world = await stepWorld({ deps: { flagStore: (config, environment) => flagStoreFor(config, environment, '', { [TOKEN_ENV]: unleash.adminToken }) } });

  const record = await world.activities.runStep({
    incidentId: 'inc-6',
    stepKey: 'L1#1/0',
    step: step({ type: 'flag.rollout', flag, percent: 0, variant: 'control' }),
    environment: 'production',
    dryRun: false,
    adapters: AdaptersSchema.parse({ flags: flagsConfig() }),
  });

  expect(record).toMatchObject({
    ok: true,
    summary: `flag ${flag} rolled out to 0 % of users, variant control`,
    details: { previous: { enabled: true, percent: 100 }, readBack: { flag, enabled: true, percent: 0, variant: 'control', store: store().location } },
  });
  const [strategy] = (await inUnleash(flag)).strategies;
  expect(strategy).toMatchObject({
    name: 'flexibleRollout',
    parameters: { rollout: '0' },
    variants: [expect.objectContaining({ name: 'control', weight: 1000 })],
  });
});

test('a flag on by several strategies is not given a percentage: refused, nothing changed', async () => {
  const flag = await newFlag();
  // A second strategy beside the one Unleash gave it when it was turned on: no single share any more.
  await unleash.admin('POST', `/projects/default/features/${flag}/environments/production/strategies`, {
    name: 'flexibleRollout',
    parameters: { rollout: '20', stickiness: 'default', groupId: flag },
  });
  const before = await inUnleash(flag);

  const error = await caught(store().rollout(flag, { percent: 10 }, 'rollback inc-5'));

  expect(error).toBeInstanceOf(RefusedError);
  expect((error as Error).message).toBe(
    `unleash: ${flag} in production is on by 2 strategies: flexibleRollout 100 %, flexibleRollout 20 %: a rollout percentage is one flexibleRollout strategy, so change it in Unleash (nothing was changed)`,
  );
  expect(await inUnleash(flag)).toEqual(before);
  expect(rolloutReadBack(flag, { percent: 100 }, await store().state(flag), 'Unleash')).toMatchObject({
    holds: false,
    says: `Unleash says ${flag} is on by 2 strategies: flexibleRollout 100 %, flexibleRollout 20 %`,
  });
});

test('a bad token is refused (401, not retried), naming the variable and never the token', async () => {
  const flag = await newFlag();
  const bad = '*:*.0000000000000000000000000000000000000000000000000000';

  const error = await caught(store('production', bad).disable(flag, 'x'));

  expect(error).toBeInstanceOf(RejectedError);
  expect(error).toMatchObject({ status: 401, retryable: false, type: 'Rejected' });
  expect((error as Error).message).toBe(`unleash: request rejected (HTTP 401): the token in ${TOKEN_ENV} was not accepted: You must log in to use Unleash.`);
  expect((error as Error).message).not.toContain(bad);
  expect((await inUnleash(flag)).enabled).toBe(true);
});

test('a token that may not use the admin API (a backend token) is refused with 403, saying what token it needs', async () => {
  const flag = await newFlag();
  const backend = await unleash.admin<{ secret: string }>('POST', '/api-tokens', {
    tokenName: 'sdk',
    type: 'backend',
    environment: 'production',
    projects: ['*'],
  });

  const error = await caught(store('production', backend.secret).disable(flag, 'x'));

  expect(error).toMatchObject({ status: 403, retryable: false });
  expect((error as Error).message).toContain(`the token in ${TOKEN_ENV} may not change ${flag} in production`);
  expect((error as Error).message).toContain('admin token');
  expect((error as Error).message).not.toContain(backend.secret);
});

test('no token on the worker is refused (not retried), naming the variable', async () => {
  const error = await caught(store('production', null).disable('anything', 'x'));
  expect(error).toBeInstanceOf(RefusedError);
  expect(error).toMatchObject({ retryable: false });
  expect((error as Error).message).toBe(`unleash: environment variable ${TOKEN_ENV} is not set on the worker`);
});

test('an unknown feature is UnknownFlag (not retried); an unknown environment or project says which', async () => {
  const missing = await caught(store().disable('no_such_flag', 'x'));
  expect(missing).toBeInstanceOf(UnknownFlagError);
  expect((missing as Error).message).toBe(`flag "no_such_flag" does not exist in Unleash ${unleash.url} (project default, environment production)`);

  const flag = await newFlag();
  const staging = await caught(store('staging').disable(flag, 'x'));
  expect(staging).toBeInstanceOf(RefusedError);
  expect((staging as Error).message).toBe(`unleash: Could not find ${flag} in staging (project default, environment staging)`);

  // A plan maps its staging to Unleash's development environment: the drill acts there.
  expect(await store('staging', unleash.adminToken, { environments: { staging: 'development' } }).enable(flag, 'drill')).toMatchObject({ changed: true });
  expect((await inUnleash(flag, 'development')).enabled).toBe(true);

  const project = await caught(store('production', unleash.adminToken, { project: 'payments' }).disable(flag, 'x'));
  expect(project).toBeInstanceOf(UnknownFlagError);
  expect((project as Error).message).toContain('(project payments, environment production)');
});

test('an Unleash that does not answer is unavailable (retried), not a refusal', async () => {
  const config = AdaptersSchema.parse({ flags: { type: 'unleash', url: `http://127.0.0.1:${await freePort()}`, tokenEnv: TOKEN_ENV } }).flags;
  const error = await caught(flagStoreFor(config, 'production', '', { [TOKEN_ENV]: unleash.adminToken }).disable('x', 'y'));
  expect(error).toBeInstanceOf(UnavailableError);
  expect(error).toMatchObject({ retryable: true });
  expect((error as Error).message).toContain('ECONNREFUSED');
});
