// Watching a plan: one tick reads each watched metric trigger's hold window back from the
// metrics source (a range query) and evaluates it with the pure trigger evaluation; a trigger
// that fires is handed to the incident path an alert takes (the service desk, by
// signal-with-start), which the worker wires in as `incidents`. A source that cannot be read
// is an Error reading, never a breach: the workflow counts it and pages, it never rolls back.
import type { MetricSource } from '../adapters/roles';
import type { MetricTrigger, Plan } from '../plan/schema';
import { evaluateTrigger, type TriggerEvaluation } from '../policy/triggers';
import { baselineOf, baselineRange, holdRange, samplesOf } from '../policy/watch';
import { atBoundary } from './failures';
import type { PlanAdapters } from './deps';

export interface EvaluateWatchInput {
  adapters: PlanAdapters;
  triggers: MetricTrigger[];
  intervalMs: number;
  /** Trigger name → epoch ms its condition has held since, as the watcher last saw it (not yet fired). */
  heldSince?: Record<string, number>;
}

/** One trigger at one tick: its evaluation, or why it could not be read. */
export interface TriggerReading {
  trigger: string;
  /** Epoch ms of the tick (the end of the range read). */
  at: number;
  evaluation?: TriggerEvaluation;
  /** Samples the evaluation read (every series, every step). */
  samples?: number;
  /** The metrics source could not be read (or answered something unusable): an Error, not a breach. */
  error?: string;
}

/** A watched trigger that fired, as the incident path takes it (the shape of an alert notification). */
export interface WatchedAlert {
  plan: Plan;
  service: string;
  environment: string;
  trigger: string;
  /** Decision facts in base units: the evaluation's latest value and how long it has held. */
  context: { value?: number; heldFor?: number };
  alert: {
    status: 'firing';
    receivedAt: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    value?: string;
    startsAt: string;
    fingerprint: string;
    evidence: TriggerEvaluation & { samples?: number; watchId: string };
  };
}

/** The incident path an alert takes, given by the worker (src/incidents/watch.ts). */
export interface IncidentOpener {
  /** Starts or joins the incident of the alert's plan, service and environment; durable once it returns. */
  open(alert: WatchedAlert): Promise<{ incidentId: string }>;
}

export interface WatchDeps {
  metricsFor(adapters: PlanAdapters): MetricSource | undefined;
  incidents?: IncidentOpener;
}

async function readTrigger(metrics: MetricSource, trigger: MetricTrigger, intervalMs: number, now: number, heldSince?: number): Promise<TriggerReading> {
  const condition = trigger.condition;
  const query = condition.query ?? condition.metric;
  try {
    const hold = holdRange(condition, intervalMs, now, heldSince);
    const samples = samplesOf(condition, await metrics.range(query, hold));
    let baseline: number | Record<string, number> | undefined;
    if (condition.baseline) {
      const before = baselineRange(condition, hold);
      baseline = condition.baseline.query
        ? baselineOf(condition, await metrics.range(condition.baseline.query, { ...hold, start: hold.end - hold.stepMs }))
        : before && baselineOf(condition, await metrics.range(query, before));
    }
    const evaluation = evaluateTrigger(trigger, { samples, ...(baseline === undefined ? {} : { baseline }) });
    return { trigger: trigger.name, at: now, evaluation, samples: samples.length };
  } catch (err) {
    return { trigger: trigger.name, at: now, error: err instanceof Error ? err.message : String(err) };
  }
}

export function createWatchActivities(deps: WatchDeps) {
  return {
    /** Reads and evaluates every watched metric trigger of one tick; never throws for a source it cannot read. */
    async evaluateWatchedTriggers(input: EvaluateWatchInput): Promise<TriggerReading[]> {
      const now = Date.now();
      const metrics = deps.metricsFor(input.adapters);
      if (!metrics) return input.triggers.map((t) => ({ trigger: t.name, at: now, error: 'the plan names no metrics source (adapters.metrics)' }));
      return Promise.all(input.triggers.map((t) => readTrigger(metrics, t, input.intervalMs, now, input.heldSince?.[t.name])));
    },

    /** Starts or joins the incident for a watched trigger that fired, through the alert's own path. */
    async openWatchedIncident(alert: WatchedAlert): Promise<{ incidentId: string }> {
      const incidents = deps.incidents;
      if (!incidents) throw new Error('this worker cannot start incidents (no Temporal client given to its activities)');
      return atBoundary(() => incidents.open(alert));
    },
  };
}

export type WatchActivities = ReturnType<typeof createWatchActivities>;
