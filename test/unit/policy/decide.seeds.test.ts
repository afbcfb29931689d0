// Every cell of every decision table in the seeds, looked up in the seed's plan.
import type { DecisionContext } from '../../../src/policy/context';
import { decide, findDecision, NoDecisionError } from '../../../src/policy/decide';
import { seedPlan } from './seedPlans';

const MIN = 60_000;

describe('002 §Canary Phase Rollback Decisions', () => {
  const plan = seedPlan('lens-sprint1-canary');
  const phases = ['5%', '25%', '50%', '100%'];
  // The seed's matrix, cell by cell: "auto" = Auto rollback, a duration = Manual (window).
  const matrix: [row: string, triggers: string[], cells: string[]][] = [
    ['Error rate >0.5%', ['ErrorRateCritical'], ['auto', 'auto', 'auto', 'auto']],
    ['p99 increase >15%', ['P99LatencyRegression'], ['auto', 'auto', 'auto', 'auto']],
    ['Resource >95%', ['ShardCpuExhausted', 'ShardMemoryExhausted'], ['auto', 'auto', 'auto', 'auto']],
    ['Gate failure', ['SuccessGateFailed'], ['5m', '2m', 'auto', 'auto']],
    ['nDCG drop >0.005', ['NdcgRegression'], ['10m', '5m', '2m', 'auto']],
  ];
  const cases = matrix.flatMap(([row, triggers, cells]) => triggers.flatMap((trigger) => cells.map((cell, i) => [row, trigger, phases[i], cell] as const)));

  it.each(cases)('002 decision matrix: %s (%s) at %s → %s', (_row, trigger, phase, cell) => {
    const outcome = decide(plan, { trigger, phase });
    if (cell === 'auto') {
      expect(outcome).toMatchObject({ action: 'rollback' });
    } else {
      // §Trigger 4 and §Trigger 5: the default when nobody decides is rollback.
      expect(outcome).toMatchObject({ action: 'ask', window: cell, default: 'rollback' });
    }
  });

  it('002 §Trigger 5: a hold on an nDCG drop lasts at most 30 minutes', () => {
    expect(decide(plan, { trigger: 'NdcgRegression', phase: '5%' })).toMatchObject({ holdLimit: '30m', approvers: ['qa-dri'] });
  });

  it('002 §Decision Authority Matrix: nDCG at 50% asks QA DRI + Sprint DRI together', () => {
    expect(decide(plan, { trigger: 'NdcgRegression', phase: '50%' })).toMatchObject({ approvers: ['qa-dri', 'sprint-dri'], quorum: 'all' });
  });

  it.each([
    ['5%', 'sprint-pm'],
    ['25%', 'sprint-pm'],
    ['50%', 'eng-manager'],
    ['100%', 'vp-engineering'],
  ])('002 §Decision Authority Matrix: business impact at %s asks %s', (phase, role) => {
    expect(decide(plan, { trigger: 'BusinessImpact', phase })).toMatchObject({ action: 'ask', approvers: [role] });
  });

  it('002 §Trigger 6: an operational anomaly declared by a Sprint DRI rolls back', () => {
    expect(decide(plan, { trigger: 'OperationalAnomaly' })).toMatchObject({ action: 'rollback' });
  });

  it('002: a gate failure without a phase cannot be decided, and the error says why', () => {
    expect(() => decide(plan, { trigger: 'SuccessGateFailed' })).toThrow(NoDecisionError);
    expect(() => decide(plan, { trigger: 'SuccessGateFailed' })).toThrow(/needs phase/);
  });
});

describe('001 §Rollback Decision Matrix', () => {
  const plan = seedPlan('webapp-5-level');
  const manual = ['CriticalFunctionalityBroken', 'DataIntegrityIssue', 'SecurityVulnerability', 'UxRegression', 'PaymentFailures'];
  const rows: [row: string, context: Omit<DecisionContext, 'trigger'>, expected: object][] = [
    ['Critical | All users | > 1 hour → Level 3-5', { severity: 'critical', impact: 1, timeToFix: 90 * MIN }, { action: 'rollback', level: 3, maxLevel: 5 }],
    ['High | > 50% users | > 30 min → Level 2-3', { severity: 'high', impact: 0.6, timeToFix: 45 * MIN }, { action: 'rollback', level: 2, maxLevel: 3 }],
    ['Medium | < 50% users | > 15 min → Level 1-2', { severity: 'medium', impact: 0.3, timeToFix: 20 * MIN }, { action: 'rollback', level: 1, maxLevel: 2 }],
    ['Low | < 10% users | < 15 min → Fix forward', { severity: 'low', impact: 0.05, timeToFix: 10 * MIN }, { action: 'fix-forward' }],
  ];
  const cases = rows.flatMap(([row, context, expected]) => manual.map((trigger) => [row, trigger, context, expected] as const));

  it.each(cases)('001 decision matrix: %s (%s)', (_row, trigger, context, expected) => {
    expect(decide(plan, { trigger, ...context })).toMatchObject(expected);
  });

  it.each([
    ['critical but fixable in 20 minutes', { severity: 'critical', impact: 1, timeToFix: 20 * MIN }],
    ['high at exactly 50% of users', { severity: 'high', impact: 0.5, timeToFix: 45 * MIN }],
    ['low but 15 minutes to fix', { severity: 'low', impact: 0.05, timeToFix: 15 * MIN }],
    ['not classified yet', {}],
  ])('001 decision matrix, outside its rows (%s) → ask the incident commander, 10 min, default level 1', (_name, context) => {
    expect(decide(plan, { trigger: 'DataIntegrityIssue', ...context })).toMatchObject({
      action: 'ask',
      window: '10m',
      default: 'rollback',
      approvers: ['incident-commander'],
      level: 1,
    });
  });

  it.each(['ErrorRateHigh', 'ResponseTimeHigh', 'HealthCheckFailures', 'MemoryHigh', 'DbPoolExhausted'])(
    '001 §Automatic Rollback: %s rolls back from level 1, at most to level 3',
    (trigger) => {
      expect(decide(plan, { trigger })).toEqual({ action: 'rollback', level: 1, maxLevel: 3 });
    },
  );
});

describe('004 §Rollback Decision Matrix', () => {
  const plan = seedPlan('genesis-phase4');
  const cases: [row: string, context: DecisionContext, action: string][] = [
    ['Error rate < 0.1% → monitor only', { trigger: 'ErrorRate', value: 0.0005 }, 'monitor'],
    ['Error rate 0.1% - 1% → prepare (at 0.1%)', { trigger: 'ErrorRate', value: 0.001 }, 'prepare'],
    ['Error rate 0.1% - 1% → prepare (at 0.5%)', { trigger: 'ErrorRate', value: 0.005 }, 'prepare'],
    ['Error rate 0.1% - 1% → prepare (at 1%)', { trigger: 'ErrorRate', value: 0.01 }, 'prepare'],
    ['Error rate > 1% → ROLLBACK NOW', { trigger: 'ErrorRate', value: 0.0101 }, 'rollback'],
    ['Pass rate > 98% → monitor only', { trigger: 'PassRate', value: 0.99 }, 'monitor'],
    ['Pass rate 95% - 98% → investigate + prepare (at 98%)', { trigger: 'PassRate', value: 0.98 }, 'prepare'],
    ['Pass rate 95% - 98% → investigate + prepare (at 95%)', { trigger: 'PassRate', value: 0.95 }, 'prepare'],
    ['Pass rate < 95% → ROLLBACK NOW', { trigger: 'PassRate', value: 0.94 }, 'rollback'],
    ['P95 latency < 200ms → monitor only', { trigger: 'P95Latency', value: 150 }, 'monitor'],
    ['P95 latency 200ms - 500ms → investigate + prepare (at 200ms)', { trigger: 'P95Latency', value: 200 }, 'prepare'],
    ['P95 latency 200ms - 500ms → investigate + prepare (at 500ms)', { trigger: 'P95Latency', value: 500 }, 'prepare'],
    ['P95 latency > 500ms → ROLLBACK NOW', { trigger: 'P95Latency', value: 501 }, 'rollback'],
    ['Service down 0 - 1 min → attempt restart (at 30s)', { trigger: 'ServiceDown', heldFor: 30_000 }, 'monitor'],
    ['Service down 1 - 2 min → prepare (at 90s)', { trigger: 'ServiceDown', heldFor: 90_000 }, 'prepare'],
    ['Service down > 2 min → ROLLBACK NOW', { trigger: 'ServiceDown', heldFor: 121_000 }, 'rollback'],
  ];

  it.each(cases)('004 decision matrix: %s', (_row, context, action) => {
    expect(decide(plan, context).action).toBe(action);
  });

  it('004 decision matrix: service down under a minute attempts a restart', () => {
    const outcome = decide(plan, { trigger: 'ServiceDown', heldFor: 45_000 });
    expect(outcome.steps).toEqual([expect.objectContaining({ type: 'service.restart', command: 'docker-compose restart' })]);
  });

  it('004 §1.3: a rollback first captures the pre-rollback state', () => {
    expect(decide(plan, { trigger: 'ErrorRate', value: 0.02 }).steps?.[0]).toMatchObject({ command: 'scripts/capture_pre_rollback_state.sh' });
  });

  it.each(['SecurityVulnerability', 'DataCorruption', 'CustomerImpactingBug'])(
    '004 §1.1 and Executive Summary (MANUAL): %s needs the Tech Lead within 10 minutes, else hold',
    (trigger) => {
      expect(decide(plan, { trigger })).toMatchObject({ action: 'ask', approvers: ['tech-lead'], window: '10m', default: 'hold' });
    },
  );

  it('004 §5.4: data corruption, once approved, goes to the database rollback', () => {
    expect(decide(plan, { trigger: 'DataCorruption' })).toMatchObject({ level: 4 });
  });
});

describe('003 §2 Trigger thresholds', () => {
  const plan = seedPlan('monetization-drill');
  it.each(['CriticalApi5xx', 'P95LatencyRegression', 'MonetizationEndpointsDown'])(
    '003 §2: %s persisting 5 minutes → prepare (pin targets, confirm images)',
    (trigger) => {
      const outcome = decide(plan, { trigger });
      expect(outcome.action).toBe('prepare');
      expect(outcome.steps?.[0]).toMatchObject({ command: 'tools/confirm_rollback_images.sh' });
    },
  );
  it.each(['DataIntegrityRisk', 'LoginFailing', 'InvoiceOperationsBroken'])(
    '003 §2 rollback immediately: %s → rollback of the apps, agent writes off first (§4.3)',
    (trigger) => {
      const outcome = decide(plan, { trigger });
      expect(outcome).toMatchObject({ action: 'rollback', level: 3 });
      expect(outcome.steps?.[0]).toMatchObject({ type: 'flag.disable', flag: 'AGENT_WRITE_ACTIONS_ENABLED' });
    },
  );
});

describe('000 §Automatic Rollback Triggers', () => {
  const plan = seedPlan('reserves-v11');
  it.each([
    ['§1 Error Rate Threshold', 'ReservesErrorRate', { action: 'rollback', level: 1 }],
    ['§2 Performance Degradation', 'ReservesP95Latency', { action: 'rollback', level: 1, note: 'canary promotion halted' }],
    ['§4 Unhandled Exceptions', 'UnhandledException', { action: 'rollback', level: 1 }],
    ['Manual Rollback Procedures', 'ManualKillSwitch', { action: 'rollback', level: 1 }],
  ])('000 %s: %s → flag disabled (level 1)', (_section, trigger, expected) => {
    expect(decide(plan, { trigger })).toMatchObject(expected);
  });

  it('000 §3 Conservation Violations: shadow mode enabled, investigation required', () => {
    const outcome = decide(plan, { trigger: 'ConservationViolations' });
    expect(outcome).toMatchObject({ action: 'prepare', note: 'investigation required' });
    expect(outcome.steps).toEqual([expect.objectContaining({ type: 'flag.enable', flag: 'reserves_v11_shadow_mode' })]);
  });

  it('000: the decision names its table and rule for the incident record', () => {
    expect(findDecision(plan, { trigger: 'UnhandledException' })).toMatchObject({ table: { name: 'automatic' }, rule: 3 });
  });
});
