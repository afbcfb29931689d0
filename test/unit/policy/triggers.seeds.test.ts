// Trigger evaluation over samples, with the thresholds and windows the seeds state.
import type { Trigger } from '../../../src/plan/schema';
import { decide } from '../../../src/policy/decide';
import { evaluateTrigger } from '../../../src/policy/triggers';
import { samples, seedPlan } from './seedPlans';

function trigger(plan: string, name: string): Trigger {
  return seedPlan(plan).triggers.find((t) => t.name === name)!;
}

const checks = (oks: boolean[], stepMs = 10_000) => oks.map((ok, i) => ({ at: i * stepMs, ok }));

describe('002 §Automated Rollback', () => {
  const errorRate = trigger('lens-sprint1-canary', 'ErrorRateCritical');

  it('002 §Trigger 1: error rate 0.6% sustained 2 minutes fires, with evidence', () => {
    const result = evaluateTrigger(errorRate, { samples: samples([0.001, 0.006, 0.006, 0.007, 0.006, 0.006]) });
    expect(result).toMatchObject({ fired: true, since: 30_000, heldFor: 120_000, value: 0.006 });
    expect(result.evidence).toMatchObject({ count: 5, worst: 0.007, op: '>', limit: 0.005 });
  });

  it('002 §Trigger 1: 0.6% for only 90 seconds does not fire yet', () => {
    expect(evaluateTrigger(errorRate, { samples: samples([0.006, 0.006, 0.006, 0.006]) })).toMatchObject({ fired: false, heldFor: 90_000 });
  });

  it('002 §Trigger 1: exactly 0.5% is not above 0.5%', () => {
    expect(evaluateTrigger(errorRate, { samples: samples([0.005, 0.005, 0.005, 0.005, 0.005]) }).fired).toBe(false);
  });

  it('002 §Trigger 1: a dip below the threshold restarts the window', () => {
    expect(evaluateTrigger(errorRate, { samples: samples([0.006, 0.006, 0.006, 0.004, 0.006, 0.006]) })).toMatchObject({ fired: false, since: 120_000 });
  });

  const p99 = trigger('lens-sprint1-canary', 'P99LatencyRegression');
  it('002 §Trigger 2: p99 16% over a 200ms baseline for 5 minutes fires (samples in seconds)', () => {
    const result = evaluateTrigger(p99, { samples: samples(Array<number>(11).fill(0.232)), baseline: 200 });
    expect(result).toMatchObject({ fired: true, heldFor: 300_000 });
    expect(result.evidence).toMatchObject({ limit: 230, baseline: 200, last: 232 });
  });

  it('002 §Trigger 2: 14% over baseline does not fire', () => {
    expect(evaluateTrigger(p99, { samples: samples(Array<number>(11).fill(0.228)), baseline: 200 }).fired).toBe(false);
  });

  it('002 §Trigger 2: without a baseline nothing fires, and the reason says so', () => {
    expect(evaluateTrigger(p99, { samples: samples([1, 1]) })).toMatchObject({ fired: false, reason: 'no baseline for p99_latency' });
  });

  const memory = trigger('lens-sprint1-canary', 'ShardMemoryExhausted');
  it('002 §Trigger 3: one shard above 95% memory for 3 minutes fires and is named', () => {
    const result = evaluateTrigger(memory, {
      samples: [...samples(Array<number>(7).fill(0.96), 30_000, 0, 'shard-a'), ...samples(Array<number>(7).fill(0.5), 30_000, 0, 'shard-b')],
    });
    expect(result).toMatchObject({ fired: true, heldFor: 180_000, evidence: { series: 'shard-a' } });
  });

  it('002 §Trigger 3: two shards taking turns above 95% do not add up to 3 minutes', () => {
    const result = evaluateTrigger(memory, {
      samples: [...samples([0.96, 0.96, 0.96, 0.5, 0.5, 0.5, 0.5], 30_000, 0, 'a'), ...samples([0.5, 0.5, 0.5, 0.96, 0.96, 0.96, 0.96], 30_000, 0, 'b')],
    });
    expect(result).toMatchObject({ fired: false, heldFor: 90_000 });
  });

  const ndcg = trigger('lens-sprint1-canary', 'NdcgRegression');
  it.each([
    [0.5183, true],
    [0.5184, false],
  ])('002 §Trigger 5: nDCG@10 at %s → fired %s (no hold window)', (value, fired) => {
    expect(evaluateTrigger(ndcg, { samples: [{ at: 0, value }] }).fired).toBe(fired);
  });
});

describe('001 §Automatic Rollback', () => {
  const health = trigger('webapp-5-level', 'HealthCheckFailures');
  it.each([
    [[true, false, false, false], false],
    [[true, false, false, false, false], true],
    [[false, false, true, false, false, false], false],
  ])('001: health check failures > 3 consecutive — %j → fired %s', (oks, fired) => {
    expect(evaluateTrigger(health, { results: checks(oks) }).fired).toBe(fired);
  });

  const errorRate = trigger('webapp-5-level', 'ErrorRateHigh');
  it('001: error rate > 10% for 5 minutes fires at the fifth minute, not before', () => {
    const values = Array<number>(11).fill(0.12);
    expect(evaluateTrigger(errorRate, { samples: samples(values.slice(0, 10)) }).fired).toBe(false);
    expect(evaluateTrigger(errorRate, { samples: samples(values) }).fired).toBe(true);
  });

  it('001: response time > 5s (p95), sampled in seconds', () => {
    const responseTime = trigger('webapp-5-level', 'ResponseTimeHigh');
    expect(evaluateTrigger(responseTime, { samples: samples(Array<number>(11).fill(5.2)) })).toMatchObject({ fired: true, value: 5200 });
  });

  it('001: database connection pool exhausted fires at 100% in use', () => {
    expect(evaluateTrigger(trigger('webapp-5-level', 'DbPoolExhausted'), { samples: [{ at: 0, value: 1 }] }).fired).toBe(true);
  });
});

describe('003 §2 Trigger thresholds', () => {
  it('003: p95 more than 50% above baseline for 5 minutes', () => {
    const p95 = trigger('monetization-drill', 'P95LatencyRegression');
    expect(evaluateTrigger(p95, { samples: samples(Array<number>(11).fill(0.31)), baseline: 200 }).fired).toBe(true);
    expect(evaluateTrigger(p95, { samples: samples(Array<number>(11).fill(0.29)), baseline: 200 }).fired).toBe(false);
  });

  it('003: billing/admin endpoints unavailable for 5 minutes (not 4)', () => {
    const down = trigger('monetization-drill', 'MonetizationEndpointsDown');
    expect(evaluateTrigger(down, { results: checks(Array<boolean>(31).fill(false)) }).fired).toBe(true);
    expect(evaluateTrigger(down, { results: checks(Array<boolean>(25).fill(false)) }).fired).toBe(false);
  });

  it('003: a manual trigger fires when a person declares it', () => {
    expect(evaluateTrigger(trigger('monetization-drill', 'DataIntegrityRisk'), { declaredAt: 5, by: 'U0MONIC0001' })).toMatchObject({
      fired: true,
      since: 5,
      reason: 'declared by U0MONIC0001: data-integrity',
    });
  });
});

describe('004 §Rollback Decision Matrix — evaluation feeds the decision', () => {
  const plan = seedPlan('genesis-phase4');
  const serviceDown = trigger('genesis-phase4', 'ServiceDown');
  it.each([
    [4, 'monitor'],
    [10, 'prepare'],
    [14, 'rollback'],
  ])('004: service down for %i probes 10 s apart → %s', (probes, action) => {
    const result = evaluateTrigger(serviceDown, { results: checks(Array<boolean>(probes).fill(false)) });
    expect(decide(plan, { trigger: 'ServiceDown', heldFor: result.heldFor! }).action).toBe(action);
  });

  it('004: P95 sampled at 0.35 s is in the 200-500ms band → prepare', () => {
    const result = evaluateTrigger(trigger('genesis-phase4', 'P95Latency'), { samples: [{ at: 0, value: 0.35 }] });
    expect(decide(plan, { trigger: 'P95Latency', value: result.value! }).action).toBe('prepare');
  });
});

describe('000 §Automatic Rollback Triggers', () => {
  it('000 §4: any unhandled exception reaching a user fires', () => {
    const unhandled = trigger('reserves-v11', 'UnhandledException');
    expect(evaluateTrigger(unhandled, { samples: [{ at: 0, value: 1 }] }).fired).toBe(true);
    expect(evaluateTrigger(unhandled, { samples: [{ at: 0, value: 0 }] }).fired).toBe(false);
  });

  it('000 §1: error rate > 0.1% (1 in 1000) fires; 0.1% exactly does not', () => {
    const errorRate = trigger('reserves-v11', 'ReservesErrorRate');
    expect(evaluateTrigger(errorRate, { samples: [{ at: 0, value: 0.0011 }] }).fired).toBe(true);
    expect(evaluateTrigger(errorRate, { samples: [{ at: 0, value: 0.001 }] }).fired).toBe(false);
  });
});
