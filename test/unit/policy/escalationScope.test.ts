// How long people escalation goes on (authority.escalationScope), part by part of a run.
//   seed 000 §Escalation Path: on-call, team lead, then "engineering manager + product owner
//     decision" — escalation that leads to a decision ("decision");
//   seed 004 §6.2: "still failing after 10 minutes: ESCALATE" — escalation while the rollback
//     has not restored service ("rollback", the default);
//   seed 002 §Recovery Metrics: "no additional incidents for 4+ hours" of monitoring after the
//     rollback, with the escalation path still in force ("run").
import type { EscalationScope, Plan } from '../../../src/plan/schema';
import { escalationGoesOn, type RunPart } from '../../../src/policy/escalation';
import { seedPlan } from './seedPlans';

function withScope(name: string, scope: EscalationScope | undefined): Plan {
  const plan = seedPlan(name);
  return { ...plan, authority: { ...plan.authority, escalationScope: scope as EscalationScope } };
}

const PARTS: RunPart[] = ['deciding', 'rolling-back', 'monitoring'];

it.each([
  ['000 reserves-v11', 'reserves-v11', 'decision', [true, false, false]],
  ['004 genesis-phase4', 'genesis-phase4', 'rollback', [true, true, false]],
  ['002 lens-sprint1-canary', 'lens-sprint1-canary', 'run', [true, true, true]],
] as const)('%s (%s) with escalationScope %s: escalates while deciding / rolling back / monitoring = %j', (_seed, name, scope, expected) => {
  const plan = withScope(name, scope);
  expect(PARTS.map((part) => escalationGoesOn(plan, part))).toEqual(expected);
});

it('the seed plans keep the default: escalation until the rollback ends, not through monitoring', () => {
  for (const name of ['reserves-v11', 'genesis-phase4', 'lens-sprint1-canary']) {
    expect(seedPlan(name).authority.escalationScope).toBe('rollback');
  }
});

it('a plan snapshot from before escalationScope existed escalates as it always did: until the rollback ends', () => {
  const plan = withScope('genesis-phase4', undefined);
  expect(PARTS.map((part) => escalationGoesOn(plan, part))).toEqual([true, true, false]);
});
