// Triggers: the conditions that may start a rollback. A metric condition compares
// samples with a fixed threshold or with the baseline, optionally held for a window and
// per series (e.g. per shard); a health condition counts consecutive failed checks or
// how long a check has been failing; a manual trigger is a reason a person declares.
import { z } from 'zod';
import { SAMPLE_UNITS, type SampleUnit } from '../quantity';
import { Comparator, Duration, quantityOf, Slug, unknownVariant } from './common';

const BaselineChange = z
  .strictObject({
    /** Relative to the baseline: "+15%" fires above baseline × 1.15, "-10%" below baseline × 0.9. */
    relative: quantityOf(['fraction']).optional(),
    /** In the metric's own unit: "-0.005" fires below baseline − 0.005. */
    absolute: quantityOf().optional(),
    /** Where a watched plan reads the baseline: a query answering it (PromQL), … */
    query: z.string().min(1).optional(),
    /** … or the condition's own query averaged over this window before the hold window. */
    window: Duration.optional(),
  })
  .refine((b) => (b.relative === undefined) !== (b.absolute === undefined), {
    message: 'give exactly one of "relative" or "absolute"',
  })
  .refine((b) => b.query === undefined || b.window === undefined, {
    message: 'give "query" or "window" for the baseline, not both',
  });

export const MetricConditionSchema = z
  .strictObject({
    metric: z.string().min(1),
    /** Query the metric source runs (PromQL, an endpoint…); by default the metric name. */
    query: z.string().min(1).optional(),
    /** Unit the source reports raw samples in; they are converted before comparing. */
    sampleUnit: z.enum(Object.keys(SAMPLE_UNITS) as [SampleUnit, ...SampleUnit[]]).optional(),
    op: Comparator.optional(),
    threshold: quantityOf().optional(),
    baseline: BaselineChange.optional(),
    /** Hold window: the condition must hold for this long before the trigger fires. */
    for: Duration.optional(),
    /** Series label evaluated separately (e.g. "shard"); the trigger fires if any series does. */
    per: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.threshold === undefined) === (c.baseline === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "threshold" or "baseline"', path: ['threshold'] });
    }
    if (c.threshold !== undefined && c.op === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a threshold needs a comparator "op" (>, >=, <, <=, =)', path: ['op'] });
    }
    if (c.baseline !== undefined && c.op !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'a baseline condition takes its direction from the sign of the change; remove "op"', path: ['op'] });
    }
  });

export const HealthConditionSchema = z
  .strictObject({
    /** Name of an entry in `checks`. */
    check: z.string().min(1),
    /** Number of consecutive failed checks, compared with `op` (default ">="). */
    consecutiveFailures: z.number().int().min(1).optional(),
    op: z.enum(['>', '>=']).default('>='),
    /** Or: the check has failed continuously for this long (service down). */
    for: Duration.optional(),
  })
  .refine((c) => (c.consecutiveFailures === undefined) !== (c.for === undefined), {
    message: 'give exactly one of "consecutiveFailures" or "for"',
  });

/** Trigger names follow alert names (Alertmanager's are usually CamelCase). */
const TriggerName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, 'start with a letter; use letters, digits, "_", ".", ":" and "-"');

const TriggerCommon = {
  name: TriggerName,
  description: z.string().optional(),
  /** Groups triggers for authority rules and decision tables (e.g. "quality-gate"). */
  category: Slug.optional(),
  /** Severity the trigger implies when the context does not give one. */
  severity: Slug.optional(),
  /** Alert labels that select this trigger; by default `alertname` equals the trigger name. */
  match: z.record(z.string(), z.string()).optional(),
};

export const TriggerSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ ...TriggerCommon, kind: z.literal('metric'), condition: MetricConditionSchema }),
    z.strictObject({ ...TriggerCommon, kind: z.literal('health'), condition: HealthConditionSchema }),
    z.strictObject({
      ...TriggerCommon,
      kind: z.literal('manual'),
      /** Why a person declares it: security-vulnerability, data-integrity, customer-impacting-bug… */
      reason: Slug,
    }),
  ],
  { error: unknownVariant('kind') },
);

export type Trigger = z.infer<typeof TriggerSchema>;
export type MetricTrigger = Extract<Trigger, { kind: 'metric' }>;
export type HealthTrigger = Extract<Trigger, { kind: 'health' }>;
export type MetricCondition = z.infer<typeof MetricConditionSchema>;
export type HealthCondition = z.infer<typeof HealthConditionSchema>;
