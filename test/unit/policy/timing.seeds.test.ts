// Scoring runs against the seeds' stage targets and SLA.
import { scoreRun } from '../../../src/policy/timing';
import { seedPlan } from './seedPlans';

const S = 1000;
const MIN = 60 * S;

describe('004 §2 Rollback Execution (15-Minute SLA)', () => {
  const plan = seedPlan('genesis-phase4');
  const onTime = { decided: 0, announced: 50 * S, drained: 2.5 * MIN, 'rolled-back': 7 * MIN, verified: 11 * MIN, validated: 13 * MIN };

  it('004: a run inside every stage target meets the SLA', () => {
    const score = scoreRun(plan, onTime);
    expect(score.targets.slice(0, 5).map((t) => [t.name, t.met])).toEqual([
      ['announcement', true],
      ['traffic-drain', true],
      ['service-rollback', true],
      ['service-verification', true],
      ['slo-validation', true],
    ]);
    expect(score.sla).toMatchObject({ within: 15 * MIN, actual: 13 * MIN, met: true });
  });

  it('004: a 6-minute service rollback misses its 5-minute stage and the run is marked missed', () => {
    const score = scoreRun(plan, { ...onTime, 'rolled-back': 8.5 * MIN });
    expect(score.targets.find((t) => t.name === 'service-rollback')).toMatchObject({ actual: 6 * MIN, met: false });
    expect(score.met).toBe(false);
  });

  it('004: over 900 seconds misses the SLA', () => {
    expect(scoreRun(plan, { ...onTime, validated: 15 * MIN + S }).sla).toMatchObject({ met: false });
  });

  it('004: while stages are still open the score is undecided, not failed', () => {
    const score = scoreRun(plan, { decided: 0, announced: 30 * S });
    expect(score.met).toBeUndefined();
    expect(score.targets[0]).toMatchObject({ met: true });
  });
});

describe('002 §Response Time Targets', () => {
  const plan = seedPlan('lens-sprint1-canary');
  it('002: an automated error-rate rollback in 45 s meets "<60 s" but misses §Trigger 1 "<30 s"', () => {
    const score = scoreRun(plan, { detected: 0, drained: 45 * S }, { mode: 'automated', trigger: 'ErrorRateCritical' });
    expect(score.targets.filter((t) => t.met !== undefined).map((t) => [t.name, t.met])).toEqual([
      ['automated-critical', false],
      ['automated', true],
    ]);
  });
  it('002: a p99 rollback is held to 60 s only', () => {
    const score = scoreRun(plan, { detected: 0, drained: 45 * S }, { mode: 'automated', trigger: 'P99LatencyRegression' });
    expect(score.targets.map((t) => t.name)).not.toContain('automated-critical');
  });
  it('002: a manual rollback has 5 minutes from decision to traffic reversion', () => {
    const score = scoreRun(plan, { detected: 0, decided: 4 * MIN, drained: 8 * MIN, notified: 14 * MIN }, { mode: 'manual' });
    expect(score.targets.filter((t) => t.met !== undefined).map((t) => [t.name, t.met])).toEqual([
      ['manual', true],
      ['communication', true],
    ]);
  });
});

describe('000 §Recovery Time Objectives', () => {
  it('000: RTO 5 minutes to the flag disable, MTTR under 15 minutes', () => {
    const score = scoreRun(seedPlan('reserves-v11'), { detected: 0, 'rolled-back': 4 * MIN, verified: 16 * MIN });
    expect(score.targets[0]).toMatchObject({ name: 'rto', met: true });
    expect(score.sla).toMatchObject({ met: false });
  });
});
