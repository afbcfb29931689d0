// Who may decide, from the seeds' authority rules; and how votes settle a decision.
import { authorityFor, mayDecide, tally } from '../../../src/policy/authority';
import { seedPlan } from './seedPlans';

describe('002 §Decision Authority Matrix', () => {
  const plan = seedPlan('lens-sprint1-canary');
  const phases = ['5%', '25%', '50%', '100%'];
  // Rows of the seed's matrix with a trigger of that type; "system" = System.
  const matrix: [row: string, trigger: string, cells: string[][]][] = [
    ['Automated', 'ErrorRateCritical', [['system'], ['system'], ['system'], ['system']]],
    ['Performance Gates', 'SuccessGateFailed', [['sprint-dri'], ['sprint-dri'], ['eng-manager'], ['eng-manager']]],
    ['Quality Gates', 'NdcgRegression', [['qa-dri'], ['qa-dri'], ['qa-dri', 'sprint-dri'], ['eng-manager']]],
    ['Business Impact', 'BusinessImpact', [['sprint-pm'], ['sprint-pm'], ['eng-manager'], ['vp-engineering']]],
  ];
  const cases = matrix.flatMap(([row, trigger, cells]) => cells.map((roles, i) => [row, phases[i], trigger, roles] as const));

  it.each(cases)('002 authority matrix: %s at %s (%s) → %j', (_row, phase, trigger, roles) => {
    const authority = authorityFor(plan, { trigger, phase })!;
    if (roles[0] === 'system') expect(authority).toMatchObject({ system: true });
    else expect(authority).toMatchObject({ system: false, roles, quorum: roles.length > 1 ? 'all' : 'any' });
  });

  it('002 §Trigger 6: any Sprint DRI (backend or search) may initiate; the QA DRI may not', () => {
    expect(mayDecide(plan, { trigger: 'OperationalAnomaly' }, 'U0LENSDRISE')).toMatchObject({ allowed: true, roles: ['sprint-dri'] });
    expect(mayDecide(plan, { trigger: 'OperationalAnomaly' }, 'U0LENSQADRI')).toMatchObject({
      allowed: false,
      reason: 'only sprint-dri may decide OperationalAnomaly',
    });
  });

  it('002: nobody may approve or reject an automated rollback', () => {
    expect(mayDecide(plan, { trigger: 'ErrorRateCritical', phase: '5%' }, 'U0LENSEM001')).toMatchObject({
      allowed: false,
      reason: 'ErrorRateCritical is decided by the system alone',
    });
  });

  describe('002 quality gate at 50%: QA DRI + Sprint DRI', () => {
    const authority = authorityFor(plan, { trigger: 'NdcgRegression', phase: '50%' })!;
    it.each([
      ['QA DRI alone has not decided yet', [{ person: 'U0LENSQADRI', choice: 'rollback' as const }], undefined],
      [
        'QA DRI and a Sprint DRI agree → rollback',
        [
          { person: 'U0LENSQADRI', choice: 'rollback' as const },
          { person: 'U0LENSDRIBE', choice: 'rollback' as const },
        ],
        'rollback',
      ],
      [
        'one of them holds → hold',
        [
          { person: 'U0LENSQADRI', choice: 'rollback' as const },
          { person: 'U0LENSDRISE', choice: 'hold' as const },
        ],
        'hold',
      ],
      ['a vote from someone without authority is ignored', [{ person: 'U0LENSVPENG', choice: 'hold' as const }], undefined],
    ])('%s', (_name, votes, expected) => {
      expect(tally(plan, authority, votes)).toBe(expected);
    });
  });

  it('002 quality gate at 25%: the QA DRI alone decides', () => {
    const authority = authorityFor(plan, { trigger: 'NdcgRegression', phase: '25%' })!;
    expect(tally(plan, authority, [{ person: 'U0LENSQADRI', choice: 'hold' }])).toBe('hold');
  });
});

describe('004 §1.1 Decision Checklist', () => {
  const plan = seedPlan('genesis-phase4');
  it.each(['SecurityVulnerability', 'DataCorruption', 'CustomerImpactingBug'])('004: %s is approved by the Tech Lead, not the on-call', (trigger) => {
    expect(mayDecide(plan, { trigger }, 'U0GENTECHLD').allowed).toBe(true);
    expect(mayDecide(plan, { trigger }, 'U0GENONCALL').allowed).toBe(false);
  });
  it('004: metric triggers are decided by the system', () => {
    expect(authorityFor(plan, { trigger: 'ErrorRate', value: 0.02 })).toMatchObject({ system: true });
  });
});

describe('checkout-demo: without authority rules, the ask names who decides', () => {
  const plan = seedPlan('checkout-demo');
  it('the on-call may decide CheckoutErrorRateHigh', () => {
    const ask = plan.decisions[0].rules[1].outcome;
    if (ask.action !== 'ask') throw new Error('expected an ask');
    expect(mayDecide(plan, { trigger: 'CheckoutErrorRateHigh' }, 'U0ONCALL01', ask).allowed).toBe(true);
  });
});
