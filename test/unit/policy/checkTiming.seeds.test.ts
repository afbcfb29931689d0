// Settle and re-check per check, from seed 004 §2.4-§2.5: services initialise for 30 s (the
// level's settle); "wait for metrics to populate: sleep 10" before the Prometheus targets
// alone; a failed SLO validation waits 60 s and is run once more, the smoke tests are not.
import { checkTiming } from '../../../src/policy/checkTiming';
import { seedPlan } from './seedPlans';

const genesis = seedPlan('genesis-phase4');

it.each([
  ['§2.4 service health: the level settles, nothing of its own', 'service-health', { settleMs: 0, rechecks: 0 }],
  ['§2.4 smoke tests: "investigating", not re-run', 'smoke', { settleMs: 0, rechecks: 0 }],
  ['§2.4 Prometheus targets: 10 s more for metrics to populate', 'prometheus-targets', { settleMs: 10_000, rechecks: 0 }],
  ['§2.5 SLO validation: once more, 60 s later', 'slo-validation', { settleMs: 0, rechecks: 1, recheckAfterMs: 60_000, recheckAfter: '60s' }],
])('004 %s', (_case, name, expected) => {
  expect(checkTiming(genesis, name, genesis.verification)).toMatchObject(expected);
});

it("004: a level's own verification still applies to the checks that say nothing", () => {
  const level = { ...genesis.verification, recheckAfter: '5s', rechecks: 2 };
  expect(checkTiming(genesis, 'smoke', level)).toMatchObject({ rechecks: 2, recheckAfterMs: 5000 });
  expect(checkTiming(genesis, 'slo-validation', level)).toMatchObject({ rechecks: 1, recheckAfterMs: 60_000 });
});
