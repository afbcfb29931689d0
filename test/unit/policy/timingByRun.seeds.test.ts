// Time targets that depend on the canary phase or on who decided.
//   seed 002 §Canary Phase Rollback Decisions: the manual windows are decision times by phase
//     ("Gate failure" 5 min at 5 %, 2 min at 25 %; "nDCG drop" 10, 5, 2 min at 5, 25, 50 %);
//   seed 000 §Escalation Path: the on-call acts within 5 minutes, the team lead "reviews and
//     confirms rollback" within 15.
import type { Plan } from '../../../src/plan/schema';
import { runKind, scoreRun } from '../../../src/policy/timing';
import { seedPlan } from './seedPlans';

const S = 1000;
const MIN = 60 * S;

describe('002: decision-time targets by canary phase', () => {
  const lens = seedPlan('lens-sprint1-canary');
  const DRI = 'U0LENSDRIBE';
  const decisionTargets = (trigger: string, phase: string | undefined, decidedAfter: number) =>
    scoreRun(lens, { detected: 0, decided: decidedAfter }, runKind(DRI, trigger, phase))
      .targets.filter((t) => t.to === 'decided')
      .map((t) => [t.name, t.within / MIN, t.met, t.appliesTo]);

  it.each([
    ['SuccessGateFailed', '5%', 3 * MIN, [['gate-decision', 5, true, 'trigger SuccessGateFailed; phase 5%']]],
    ['SuccessGateFailed', '25%', 3 * MIN, [['gate-decision', 2, false, 'trigger SuccessGateFailed; phase 25%']]],
    ['NdcgRegression', '5%', 6 * MIN, [['ndcg-decision', 10, true, 'trigger NdcgRegression; phase 5%']]],
    ['NdcgRegression', '25%', 6 * MIN, [['ndcg-decision', 5, false, 'trigger NdcgRegression; phase 25%']]],
    ['NdcgRegression', '50%', 1 * MIN, [['ndcg-decision', 2, true, 'trigger NdcgRegression; phase 50%']]],
    // At 100 % the matrix rolls back automatically: no decision time to score.
    ['NdcgRegression', '100%', 1 * MIN, []],
    // An alert without a phase is not held to any phase's target.
    ['SuccessGateFailed', undefined, 1 * MIN, []],
  ])('002 %s at %s decided after %d ms: %j', (trigger, phase, decidedAfter, expected) => {
    expect(decisionTargets(trigger, phase, decidedAfter)).toEqual(expected);
  });
});

describe('000: targets by who decided', () => {
  const reserves = seedPlan('reserves-v11');
  const plan: Plan = {
    ...reserves,
    timing: {
      targets: [
        { name: 'oncall-acts', from: 'detected', to: 'decided', within: '5m', decidedBy: ['oncall'], note: 'Level 1 (0-5 minutes)' },
        { name: 'lead-confirms', from: 'detected', to: 'decided', within: '15m', decidedBy: ['team-lead'], note: 'Level 2 (5-15 minutes)' },
      ],
    },
  };
  const applied = (by: string | undefined, decidedAfter: number) =>
    scoreRun(plan, { detected: 0, decided: decidedAfter }, runKind(by, 'ManualKillSwitch', undefined)).targets.map((t) => [t.name, t.met]);

  it.each([
    ['the on-call (U0RESONCALL) in 4 minutes', 'U0RESONCALL', 4 * MIN, [['oncall-acts', true]]],
    ['the on-call in 6 minutes', 'U0RESONCALL', 6 * MIN, [['oncall-acts', false]]],
    ['the team lead (U0RESTEAMLD) in 12 minutes', 'U0RESTEAMLD', 12 * MIN, [['lead-confirms', true]]],
    ['the engineering manager: neither target is theirs', 'U0RESENGMGR', 20 * MIN, []],
    ['the plan (automated): no person, no person target', 'plan', 0, []],
    ['the clock (a window default)', 'clock', 5 * MIN, []],
  ])('000 decided by %s', (_case, by, decidedAfter, expected) => {
    expect(applied(by, decidedAfter)).toEqual(expected);
  });
});
