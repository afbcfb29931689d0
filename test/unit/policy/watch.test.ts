// The pure parts of watching a plan: the range a tick reads, series to samples and
// baselines, episodes (one report per breach), fingerprints, and what a plan watches.
import type { MetricCondition, MetricTrigger } from '../../../src/plan/schema';
import { evaluateTrigger } from '../../../src/policy/triggers';
import { baselineOf, baselineRange, holdRange, nextEpisode, samplesOf, watchedTargets, watchedTriggers, watchFingerprint } from '../../../src/policy/watch';
import { seedPlan } from './seedPlans';

const errorRate = seedPlan('lens-sprint1-canary').triggers.find((t) => t.name === 'ErrorRateCritical') as MetricTrigger;
const NOW = 1_800_000_000_000;

describe('the range a tick reads', () => {
  it('is the hold window and two steps, ending now, one step per interval', () => {
    expect(holdRange(errorRate.condition, 5000, NOW)).toEqual({ start: NOW - 120_000 - 10_000, end: NOW, stepMs: 5000 });
  });

  it('steps at least a second (Prometheus scrapes no finer here), and a condition without a window reads two steps', () => {
    const noWindow: MetricCondition = { ...errorRate.condition, for: undefined };
    expect(holdRange(noWindow, 200, NOW)).toEqual({ start: NOW - 2000, end: NOW, stepMs: 1000 });
  });

  it('reads a hold under way from a step before it began, however long ago the last tick was', () => {
    const since = NOW - 300_000;
    expect(holdRange(errorRate.condition, 1000, NOW, since).start).toBe(since - 1000);
    // A hold that began inside the usual range changes nothing.
    expect(holdRange(errorRate.condition, 1000, NOW, NOW - 5000).start).toBe(NOW - 122_000);
  });

  it('a baseline window ends where the hold range starts', () => {
    const condition: MetricCondition = { metric: 'p99', query: 'p99', baseline: { relative: '+15%', window: '10m' }, for: '5m' };
    const hold = holdRange(condition, 5000, NOW);
    expect(baselineRange(condition, hold)).toEqual({ start: hold.start - 600_000, end: hold.start, stepMs: 5000 });
    expect(baselineRange(errorRate.condition, hold)).toBeUndefined();
  });
});

describe('series become samples and baselines', () => {
  const shards = [
    {
      labels: { shard: 'a' },
      points: [
        { at: 1000, value: 0.5 },
        { at: 2000, value: NaN },
        { at: 3000, value: 0.7 },
      ],
    },
    { labels: { shard: 'b' }, points: [{ at: 1000, value: 0.2 }] },
  ];
  const perShard: MetricCondition = { metric: 'cpu', query: 'cpu', op: '>', threshold: '95%', per: 'shard' };

  it('every point of every series, named by the per label; steps without data are left out', () => {
    expect(samplesOf(perShard, shards)).toEqual([
      { at: 1000, value: 0.5, series: 'a' },
      { at: 3000, value: 0.7, series: 'a' },
      { at: 1000, value: 0.2, series: 'b' },
    ]);
    expect(samplesOf(errorRate.condition, shards).every((s) => s.series === undefined)).toBe(true);
  });

  it('a baseline is the mean of its points, per series when the condition is', () => {
    expect(baselineOf(perShard, shards)).toEqual({ a: 0.6, b: 0.2 });
    expect(
      baselineOf(errorRate.condition, [
        {
          labels: {},
          points: [
            { at: 1, value: 200 },
            { at: 2, value: 220 },
          ],
        },
      ]),
    ).toBe(210);
    expect(baselineOf(errorRate.condition, [])).toBeUndefined();
  });

  it('a baseline read in seconds is compared in milliseconds, like the samples', () => {
    const p99: MetricCondition = { metric: 'p99', query: 'p99', sampleUnit: 's', baseline: { relative: '+15%', window: '5m' }, for: '5m' };
    expect(
      baselineOf(p99, [
        {
          labels: {},
          points: [
            { at: 1, value: 0.2 },
            { at: 2, value: 0.22 },
          ],
        },
      ]),
    ).toBe(210);
  });

  it('a range read back evaluates with the seed semantics: 0.6 % held for 2 minutes fires from its first sample', () => {
    const points = Array.from({ length: 27 }, (_, i) => ({ at: NOW - 130_000 + i * 5000, value: i < 2 ? 0.001 : 0.006 }));
    const result = evaluateTrigger(errorRate, { samples: samplesOf(errorRate.condition, [{ labels: {}, points }]) });
    expect(result).toMatchObject({ fired: true, since: NOW - 120_000, heldFor: 120_000, value: 0.006 });
  });
});

describe('episodes: one report per breach', () => {
  const fired = { fired: true, since: NOW - 120_000, heldFor: 120_000, reason: 'held' };
  const quiet = { fired: false, reason: 'within its limit' };

  it('a first firing evaluation is news, with the breach start as its start', () => {
    expect(nextEpisode(undefined, fired, NOW)).toEqual({ kind: 'new', episode: { since: NOW - 120_000, reportedAt: NOW } });
  });

  it('the same breach seen again (its since moved with the range) is not', () => {
    const episode = { since: NOW - 120_000, reportedAt: NOW };
    expect(nextEpisode(episode, { ...fired, since: NOW - 115_000 }, NOW + 5000)).toEqual({ kind: 'ongoing', episode });
  });

  it('a breach that clears ends the episode; nothing held is quiet', () => {
    const episode = { since: NOW - 120_000, reportedAt: NOW };
    expect(nextEpisode(episode, quiet, NOW + 5000)).toEqual({ kind: 'cleared', episode });
    expect(nextEpisode(undefined, quiet, NOW)).toEqual({ kind: 'quiet' });
  });
});

describe('what a plan watches', () => {
  const plan = seedPlan('lens-sprint1-canary');

  it('nothing without a watch section or with watching turned off', () => {
    expect(watchedTargets(plan)).toEqual([]);
    expect(watchedTargets({ ...plan, watch: { enabled: false, interval: '5s', errorAfter: '2m' } })).toEqual([]);
  });

  it('every service in the plan environment by default, or the ones named', () => {
    const on = { ...plan, watch: { enabled: true, interval: '5s', errorAfter: '2m' } };
    expect(watchedTargets(on)).toEqual([
      { service: 'lens-search', environment: 'production' },
      { service: 'hedging-service', environment: 'production' },
    ]);
    expect(watchedTargets({ ...on, watch: { ...on.watch, services: ['lens-search'], environments: ['staging'] } })).toEqual([
      { service: 'lens-search', environment: 'staging' },
    ]);
  });

  it('every metric and health trigger by default, never a manual one; or the ones named', () => {
    expect(watchedTriggers(plan).map((t) => t.name)).toEqual([
      'ErrorRateCritical',
      'P99LatencyRegression',
      'ShardCpuExhausted',
      'ShardMemoryExhausted',
      'NdcgRegression',
    ]);
    expect(
      watchedTriggers({ ...plan, watch: { enabled: true, interval: '5s', errorAfter: '2m', triggers: ['ErrorRateCritical'] } }).map((t) => t.name),
    ).toEqual(['ErrorRateCritical']);
  });
});

test('a fingerprint is lower-case hex, stable, and differs by trigger and series', () => {
  const a = watchFingerprint('watch:p:s:production', 'ErrorRate', '');
  expect(a).toMatch(/^[0-9a-f]{16}$/);
  expect(watchFingerprint('watch:p:s:production', 'ErrorRate', '')).toBe(a);
  expect(watchFingerprint('watch:p:s:production', 'Latency', '')).not.toBe(a);
  expect(watchFingerprint('watch:p:s:production', 'ErrorRate', 'shard-a')).not.toBe(a);
});
