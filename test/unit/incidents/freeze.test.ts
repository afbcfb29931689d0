// Which open runs freeze deployments of a service (seed 003 §4.1 "Freeze additional deployments").
import { freezeAnswer, freezes, openRunsQuery, type OpenRun } from '../../../src/incidents/runs';
import type { Plan } from '../../../src/plan/schema';
import { seedPlan } from '../policy/seedPlans';

const monetization = seedPlan('monetization-drill'); // freeze: deployments, scope all
const genesis = seedPlan('genesis-phase4'); // no freeze
const narrow: Plan = { ...monetization, name: 'monetization-narrow', freeze: { deployments: true, scope: 'affected-services' } };

const run = (over: Partial<OpenRun> = {}): OpenRun => ({
  incidentId: 'rollback-monetization-drill-transactions-1',
  plan: monetization.name,
  service: 'transactions',
  stage: 'roll-back',
  since: '2025-10-14T10:00:00.000Z',
  ...over,
});

describe('freezes', () => {
  it('scope all: a run for one service freezes every service of the plan, and no other', () => {
    expect(freezes(monetization, run(), 'transactions')).toBe(true);
    expect(freezes(monetization, run(), 'web-portal')).toBe(true);
    expect(freezes(monetization, run(), 'genesis-orchestration')).toBe(false);
  });

  it('affected-services: only the run’s own service', () => {
    expect(freezes(narrow, run(), 'transactions')).toBe(true);
    expect(freezes(narrow, run(), 'web-portal')).toBe(false);
  });

  it('a plan without freeze (or unknown) freezes nothing', () => {
    expect(freezes(genesis, run({ plan: genesis.name, service: 'genesis-orchestration' }), 'genesis-orchestration')).toBe(false);
    expect(freezes(undefined, run(), 'transactions')).toBe(false);
  });
});

describe('freezeAnswer', () => {
  it('names the incidents, oldest first, with a reason a pipeline log can show', () => {
    const answer = freezeAnswer('web-portal', [
      { run: run({ incidentId: 'b', since: '2025-10-14T10:05:00.000Z' }), plan: monetization },
      { run: run({ incidentId: 'a', stage: undefined }), plan: monetization },
      { run: run({ incidentId: 'g', plan: genesis.name, service: 'web-portal' }), plan: genesis },
    ]);
    expect(answer).toEqual({
      service: 'web-portal',
      frozen: true,
      incidents: [
        { incidentId: 'a', plan: 'monetization-drill', stage: 'detect', since: '2025-10-14T10:00:00.000Z' },
        { incidentId: 'b', plan: 'monetization-drill', stage: 'roll-back', since: '2025-10-14T10:05:00.000Z' },
      ],
      reason:
        'deployments of web-portal are frozen while incidents a (plan monetization-drill, stage detect), b (plan monetization-drill, stage roll-back) are open',
    });
  });

  it('is not frozen without open incidents', () => {
    expect(freezeAnswer('auth', [])).toEqual({ service: 'auth', frozen: false, incidents: [], reason: 'no open incident freezes deployments of auth' });
  });
});

describe('openRunsQuery', () => {
  it('asks for running runs (not drills) of the service, and of plans that freeze all their services', () => {
    const plans = new Map([
      [monetization.name, monetization],
      [genesis.name, genesis],
      [narrow.name, narrow],
    ]);
    expect(openRunsQuery('web-portal', plans)).toBe(
      "ExecutionStatus = 'Running' AND RollbackDrill IS NULL AND (RollbackService = 'web-portal' OR RollbackPlan IN ('monetization-drill'))",
    );
    expect(openRunsQuery('genesis-orchestration', plans)).toBe(
      "ExecutionStatus = 'Running' AND RollbackDrill IS NULL AND RollbackService = 'genesis-orchestration'",
    );
  });
});
