// Trigger evaluation over timestamped samples: thresholds and baselines held for a
// window (per series when the condition says so), consecutive failed checks, how long a
// check has been failing. Pure: `now` is not needed — time is in the samples.
import { formatDuration, parseDuration } from '../plan/duration';
import { compare, parseQuantity, SAMPLE_UNITS, scaled, type Comparator } from '../plan/quantity';
import type { HealthCondition, MetricCondition, Trigger } from '../plan/schema';

export interface Sample {
  /** Epoch milliseconds. */
  at: number;
  /** Raw value, in the condition's `sampleUnit` (base unit when it has none). */
  value: number;
  /** Series label value (e.g. the shard) for conditions evaluated `per` series. */
  series?: string;
}

/** One run of a health check, as a health trigger counts it (the incident record's CheckResult says more). */
export interface CheckSample {
  /** Epoch milliseconds. */
  at: number;
  ok: boolean;
}

export type TriggerInput =
  | { samples: readonly Sample[]; baseline?: number | Readonly<Record<string, number>> }
  | { results: readonly CheckSample[] }
  | { declaredAt: number; by?: string };

export interface Evidence {
  series?: string;
  /** First and last sample of the breaching run, how many, and the worst value (base units). */
  since: number;
  until: number;
  count: number;
  first: number;
  last: number;
  worst: number;
  op: Comparator;
  limit: number;
  baseline?: number;
}

export interface TriggerEvaluation {
  fired: boolean;
  /** When the condition started to hold (the breaching run's first sample). */
  since?: number;
  /** How long it has held, up to the last sample; the decision context's `heldFor`. */
  heldFor?: number;
  /** The latest value in base units; the decision context's `value`. */
  value?: number;
  evidence?: Evidence;
  reason: string;
}

interface Point {
  at: number;
  value: number;
}

/** The breaching run that ends at the last sample, or undefined when the last is fine. */
function trailingRun<T extends { at: number }>(points: readonly T[], breaches: (p: T) => boolean): T[] {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  let start = sorted.length;
  while (start > 0 && breaches(sorted[start - 1])) start--;
  return sorted.slice(start);
}

function limitFor(condition: MetricCondition, baseline: number | undefined): { op: Comparator; limit: number } | undefined {
  if (condition.threshold !== undefined) {
    return { op: condition.op!, limit: parseQuantity(condition.threshold).value };
  }
  if (baseline === undefined) return undefined;
  const { relative, absolute } = condition.baseline!;
  const change = parseQuantity((relative ?? absolute)!).value;
  const limit = relative !== undefined ? scaled(baseline, 1 + change) : scaled(baseline + change, 1);
  return { op: change >= 0 ? '>' : '<', limit };
}

function worstOf(values: number[], op: Comparator): number {
  return op.startsWith('<') ? Math.min(...values) : Math.max(...values);
}

function evaluateSeries(condition: MetricCondition, points: Point[], baseline: number | undefined, series: string | undefined): TriggerEvaluation {
  const limit = limitFor(condition, baseline);
  const latest = [...points].sort((a, b) => a.at - b.at).at(-1);
  if (!limit) return { fired: false, value: latest?.value, reason: `no baseline for ${condition.metric}` };
  const run = trailingRun(points, (p) => compare(p.value, limit.op, limit.limit));
  if (run.length === 0) {
    return { fired: false, value: latest?.value, reason: latest ? `${condition.metric} is within its limit` : 'no samples' };
  }
  const since = run[0].at;
  const until = run[run.length - 1].at;
  const heldFor = until - since;
  const window = condition.for ? parseDuration(condition.for) : 0;
  const values = run.map((p) => p.value);
  const evidence: Evidence = {
    ...(series !== undefined ? { series } : {}),
    since,
    until,
    count: run.length,
    first: values[0],
    last: values[values.length - 1],
    worst: worstOf(values, limit.op),
    op: limit.op,
    limit: limit.limit,
    ...(baseline !== undefined && condition.baseline ? { baseline } : {}),
  };
  const fired = heldFor >= window;
  const where = series !== undefined ? ` (${condition.per}=${series})` : '';
  return {
    fired,
    since,
    heldFor,
    value: evidence.last,
    evidence,
    reason: fired
      ? `${condition.metric}${where} ${limit.op} ${limit.limit} for ${formatDuration(heldFor)}`
      : `${condition.metric}${where} ${limit.op} ${limit.limit} for ${formatDuration(heldFor)}, needs ${formatDuration(window)}`,
  };
}

function evaluateMetric(
  condition: MetricCondition,
  samples: readonly Sample[],
  baseline: number | Readonly<Record<string, number>> | undefined,
): TriggerEvaluation {
  const factor = SAMPLE_UNITS[condition.sampleUnit ?? 'ratio'];
  const groups = new Map<string | undefined, Point[]>();
  for (const s of samples) {
    const key = condition.per ? (s.series ?? '') : undefined;
    groups.set(key, [...(groups.get(key) ?? []), { at: s.at, value: scaled(s.value, factor) }]);
  }
  if (groups.size === 0) return { fired: false, reason: 'no samples' };
  const results = [...groups].map(([series, points]) =>
    evaluateSeries(condition, points, typeof baseline === 'object' ? baseline[series ?? ''] : baseline, series),
  );
  // The series that has breached longest speaks for the trigger.
  const byLongest = (a: TriggerEvaluation, b: TriggerEvaluation) => (b.heldFor ?? -1) - (a.heldFor ?? -1);
  return results.filter((r) => r.fired).sort(byLongest)[0] ?? results.sort(byLongest)[0];
}

function evaluateHealth(condition: HealthCondition, results: readonly CheckSample[]): TriggerEvaluation {
  const run = trailingRun(results, (r) => !r.ok);
  if (run.length === 0) return { fired: false, reason: results.length ? `${condition.check} passes` : 'no check results' };
  const since = run[0].at;
  const heldFor = run[run.length - 1].at - since;
  const fired =
    condition.consecutiveFailures !== undefined ? compare(run.length, condition.op, condition.consecutiveFailures) : heldFor >= parseDuration(condition.for!);
  const needs =
    condition.consecutiveFailures !== undefined ? `${condition.op} ${condition.consecutiveFailures} consecutive failures` : `failing for ${condition.for}`;
  return {
    fired,
    since,
    heldFor,
    reason: `${condition.check} failed ${run.length} times in a row over ${formatDuration(heldFor)}; fires at ${needs}`,
  };
}

export function evaluateTrigger(trigger: Trigger, input: TriggerInput): TriggerEvaluation {
  switch (trigger.kind) {
    case 'metric':
      if (!('samples' in input)) throw new Error(`trigger ${trigger.name} is evaluated over metric samples`);
      return evaluateMetric(trigger.condition, input.samples, input.baseline);
    case 'health':
      if (!('results' in input)) throw new Error(`trigger ${trigger.name} is evaluated over check results`);
      return evaluateHealth(trigger.condition, input.results);
    case 'manual':
      if (!('declaredAt' in input)) throw new Error(`trigger ${trigger.name} is declared by a person`);
      return { fired: true, since: input.declaredAt, heldFor: 0, reason: `declared${input.by ? ` by ${input.by}` : ''}: ${trigger.reason}` };
  }
}
