// flag.rollout: what the language accepts, and the step on the embedded file store — acted,
// recorded with what the file says, only described in a dry-run, and failed in the store's
// words when the store does not show the rollout afterwards.
import { FileFlagStore } from '../../../src/adapters/fileFlagStore';
import type { FlagStore } from '../../../src/adapters/flagStore';
import type { RunStepInput } from '../../../src/activities/runStep';
import { StepSchema } from '../../../src/plan/schema';
import { flagsIn, step, stepWorld, type StepWorld } from '../../support/stepDeps';

const issues = (input: unknown) => StepSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

function input(world: StepWorld, fields: Partial<RunStepInput> & Pick<RunStepInput, 'step'>): RunStepInput {
  return { incidentId: 'inc-9', stepKey: 'L1#1/0', environment: 'production', dryRun: false, adapters: world.adapters(), ...fields };
}

test('a rollout gives a whole percent, a variant or both', () => {
  expect(StepSchema.parse({ type: 'flag.rollout', flag: 'new_checkout', percent: 0 })).toMatchObject({ percent: 0 });
  expect(StepSchema.parse({ type: 'flag.rollout', flag: 'new_checkout', variant: 'control' })).toMatchObject({ variant: 'control' });
  expect(issues({ type: 'flag.rollout', flag: 'new_checkout' })).toEqual([': a flag.rollout sets a percent, a variant or both']);
  expect(issues({ type: 'flag.rollout', flag: 'new_checkout', percent: 2.5 })).toEqual(['percent: a rollout is a whole percent']);
  expect(issues({ type: 'flag.rollout', flag: 'new_checkout', percent: 150 })[0]).toMatch(/^percent: Too big/);
});

test('the step sets the rollout in the flag file and records what the file says', async () => {
  const world = await stepWorld({ flags: { new_checkout: true } });
  const record = await world.activities.runStep(input(world, { step: step({ type: 'flag.rollout', flag: 'new_checkout', percent: 10, variant: 'control' }) }));
  expect(record).toEqual({
    ok: true,
    summary: 'flag new_checkout rolled out to 10 % of users, variant control',
    details: {
      flag: 'new_checkout',
      changed: true,
      previous: { enabled: true, percent: 100 },
      percent: 10,
      variant: 'control',
      readBack: { flag: 'new_checkout', enabled: true, percent: 10, variant: 'control', store: `the flag file ${world.flagPath}` },
    },
  });
  expect(flagsIn(world).new_checkout).toMatchObject({ enabled: true, rollout: 10, variant: 'control' });
});

test('a dry-run only says what it would do', async () => {
  const world = await stepWorld({ flags: { new_checkout: true } });
  const record = await world.activities.runStep(input(world, { dryRun: true, step: step({ type: 'flag.rollout', flag: 'new_checkout', percent: 0 }) }));
  expect(record).toMatchObject({ ok: true, dryRun: true, summary: 'would roll flag new_checkout out to 0 % of users' });
  expect(flagsIn(world).new_checkout).toEqual({ enabled: true });
});

test('a store that reports the rollout done but does not show it fails the step, in the store’s words', async () => {
  const files = await stepWorld({ flags: { new_checkout: true } });
  const file = new FileFlagStore(files.flagPath);
  // Says it changed the flag; writes nothing (a store that lost the write).
  const lossy: FlagStore = Object.assign(Object.create(file) as FileFlagStore, {
    rollout: async (flag: string) => ({ flag, changed: true, previous: await file.state(flag) }),
  });
  const lying = await stepWorld({ flags: { new_checkout: true }, deps: { flagStore: () => lossy } });
  const record = await lying.activities.runStep(input(lying, { step: step({ type: 'flag.rollout', flag: 'new_checkout', percent: 0 }) }));
  expect(record).toMatchObject({
    ok: false,
    summary: `roll flag new_checkout out to 0 % of users did not take: the flag file ${files.flagPath} says new_checkout is on for 100 % of users`,
    details: { reported: 'flag new_checkout rolled out to 0 % of users', readBack: { enabled: true, percent: 100 } },
  });
});
