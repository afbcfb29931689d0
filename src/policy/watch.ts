// Watching a plan's triggers, the pure parts: which range of a metric a tick reads (the hold
// window and a little more, so the window is read back whole at every tick and nothing held
// in memory can be lost), how series become samples and baselines, and when a firing
// evaluation is news (a new episode) rather than the breach the watcher already reported.
import { parseDuration } from '../plan/duration';
import { SAMPLE_UNITS, scaled } from '../plan/quantity';
import type { MetricCondition, Plan, Trigger } from '../plan/schema';
import type { Sample, TriggerEvaluation } from './triggers';

/** The series of a range query, as the metrics role answers it. */
export interface SeriesPoints {
  labels: Readonly<Record<string, string>>;
  points: readonly { at: number; value: number }[];
}

export interface WatchRange {
  start: number;
  end: number;
  stepMs: number;
}

/**
 * What a tick at `now` reads for a condition: its hold window plus two steps, so a breach
 * that began before the window is seen as held for the whole window (it fires), and one that
 * began inside it is seen from its first sample (its `since` is exact to a step). A hold the
 * watcher already saw begin (`heldSince`) is read from a step before it, so a gap between
 * ticks (a worker restarting) never moves its start.
 */
export function holdRange(condition: MetricCondition, intervalMs: number, now: number, heldSince?: number): WatchRange {
  const window = condition.for ? parseDuration(condition.for) : 0;
  const stepMs = Math.max(1000, intervalMs);
  const start = now - window - 2 * stepMs;
  return { start: heldSince === undefined ? start : Math.min(start, heldSince - stepMs), end: now, stepMs };
}

/** Where a baseline `window` is read: the window that ends where the hold range starts. */
export function baselineRange(condition: MetricCondition, hold: WatchRange): WatchRange | undefined {
  const window = condition.baseline?.window;
  if (!window) return undefined;
  return { start: hold.start - parseDuration(window), end: hold.start, stepMs: hold.stepMs };
}

/** The series name a `per` condition evaluates separately (its label), or undefined for one series. */
function seriesName(condition: MetricCondition, labels: Readonly<Record<string, string>>): string | undefined {
  return condition.per ? (labels[condition.per] ?? '') : undefined;
}

/** Every point of every series, as evaluateTrigger reads them; NaN (no data at that step) is left out. */
export function samplesOf(condition: MetricCondition, series: readonly SeriesPoints[]): Sample[] {
  return series.flatMap((s) => {
    const name = seriesName(condition, s.labels);
    return s.points.filter((p) => !Number.isNaN(p.value)).map((p) => ({ at: p.at, value: p.value, ...(name === undefined ? {} : { series: name }) }));
  });
}

/**
 * The baseline from a baseline query or window: the mean of its points, per series when the
 * condition is `per` series, in base units (as evaluateTrigger compares it; the samples come
 * in the condition's `sampleUnit`). Undefined when nothing came back (the trigger cannot fire then).
 */
export function baselineOf(condition: MetricCondition, series: readonly SeriesPoints[]): number | Record<string, number> | undefined {
  const sums = new Map<string, { total: number; n: number }>();
  for (const sample of samplesOf(condition, series)) {
    const key = sample.series ?? '';
    const sum = sums.get(key) ?? { total: 0, n: 0 };
    sums.set(key, { total: sum.total + sample.value, n: sum.n + 1 });
  }
  if (sums.size === 0) return undefined;
  const factor = SAMPLE_UNITS[condition.sampleUnit ?? 'ratio'];
  const means = Object.fromEntries([...sums].map(([key, { total, n }]) => [key, scaled(total / n, factor)]));
  return condition.per ? means : means[''];
}

/** The triggers a watched plan evaluates: the ones it names, else every metric and health trigger. */
export function watchedTriggers(plan: Plan): Extract<Trigger, { kind: 'metric' | 'health' }>[] {
  const named = plan.watch?.triggers;
  return plan.triggers.filter(
    (t): t is Extract<Trigger, { kind: 'metric' | 'health' }> => t.kind !== 'manual' && (named === undefined || named.includes(t.name)),
  );
}

/** Plan + service + environment pairs a plan watches. */
export function watchedTargets(plan: Plan): { service: string; environment: string }[] {
  if (!plan.watch?.enabled) return [];
  const services = plan.watch.services ?? plan.targets.services.map((s) => s.name);
  const environments = plan.watch.environments ?? [plan.targets.environment];
  return services.flatMap((service) => environments.map((environment) => ({ service, environment })));
}

/**
 * A watched trigger's episode: the breach it reported, from its first firing evaluation until
 * the condition no longer holds. A breach that goes on is one episode, however many ticks see
 * it (its evaluations' `since` move with the range); a breach after a clear is a new one.
 */
export interface Episode {
  /** Epoch ms the breach began (the first firing evaluation's `since`): the alert's `startsAt`. */
  since: number;
  /** When the watcher reported it. */
  reportedAt: number;
}

export type EpisodeStep = { kind: 'new'; episode: Episode } | { kind: 'ongoing'; episode: Episode } | { kind: 'cleared'; episode: Episode } | { kind: 'quiet' };

/** What one evaluation means for the trigger's episode. */
export function nextEpisode(current: Episode | undefined, evaluation: TriggerEvaluation, now: number): EpisodeStep {
  if (evaluation.fired) {
    if (current) return { kind: 'ongoing', episode: current };
    return { kind: 'new', episode: { since: evaluation.since ?? now, reportedAt: now } };
  }
  return current ? { kind: 'cleared', episode: current } : { kind: 'quiet' };
}

/**
 * Lower-case hex fingerprint of a watched trigger (FNV-1a, 64 bits): stable for plan, service,
 * environment, trigger and series, like Alertmanager's fingerprint of an alert's labels.
 */
export function watchFingerprint(...parts: readonly string[]): string {
  let hash = 0xcbf29ce484222325n;
  for (const ch of parts.join('\u0000')) {
    hash ^= BigInt(ch.codePointAt(0)!);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
