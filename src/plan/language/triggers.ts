// Triggers: the conditions that may start a rollback. A metric condition compares
// samples with a fixed threshold or with the baseline, optionally held for a window and
// per series (e.g. per shard); a health condition counts consecutive failed checks or
// how long a check has been failing; a manual trigger is a reason a person declares.
import { z } from 'zod';
import { Comparator, Duration, quantityOf, SampleUnitSchema, Slug, unknownVariant } from './common';

const BaselineChange = z
  .strictObject({
    relative: quantityOf(['fraction'])
      .optional()
      .meta({ description: 'Relative to the baseline: "+15%" fires above baseline × 1.15, "-10%" below baseline × 0.9.', examples: ['+15%'], seed: '002' }),
    absolute: quantityOf()
      .optional()
      .meta({ description: 'In the metric\'s own unit: "-0.005" fires below baseline − 0.005.', examples: ['-0.005'], seed: '002' }),
    query: z
      .string()
      .min(1)
      .optional()
      .meta({
        description: 'Where a watched plan reads the baseline: a query answering it (PromQL), …',
        examples: ['avg_over_time(lens:p99_latency[1h] offset 5m)'],
      }),
    window: Duration.optional().meta({
      description: "… or the condition's own query averaged over this window before the hold window.",
      examples: ['1h'],
      seed: '002',
    }),
  })
  .refine((b) => (b.relative === undefined) !== (b.absolute === undefined), {
    message: 'give exactly one of "relative" or "absolute"',
  })
  .refine((b) => b.query === undefined || b.window === undefined, {
    message: 'give "query" or "window" for the baseline, not both',
  })
  .meta({ description: 'Fire on a change from the baseline instead of a fixed threshold; give exactly one of `relative` or `absolute`.' });

export const MetricConditionSchema = z
  .strictObject({
    metric: z
      .string()
      .min(1)
      .meta({ description: 'Name of the metric, as alerts and the report say it.', examples: ['error_rate'], seed: '002' }),
    query: z
      .string()
      .min(1)
      .optional()
      .meta({
        description: 'Query the metric source runs (PromQL, an endpoint…); by default the metric name.',
        examples: ['sum(rate(lens_requests_errors_total[1m])) / sum(rate(lens_requests_total[1m]))'],
        seed: '002',
      }),
    sampleUnit: SampleUnitSchema.optional(),
    op: Comparator.optional().meta({
      description: 'How the value compares with `threshold` (not with a baseline: its sign says the direction).',
      examples: ['>'],
      seed: '002',
    }),
    threshold: quantityOf()
      .optional()
      .meta({ description: 'Fixed limit the value is compared with; give `threshold` or `baseline`.', examples: ['0.5%', 0.5184], seed: '002' }),
    baseline: BaselineChange.optional(),
    for: Duration.optional().meta({
      description: 'Hold window: the condition must hold for this long before the trigger fires.',
      examples: ['2m'],
      seed: '002',
    }),
    per: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Series label evaluated separately (e.g. "shard"); the trigger fires if any series does.', examples: ['shard'], seed: '002' }),
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
  })
  .meta({ description: 'Samples of a metric compared with a fixed threshold (`op` and `threshold`) or with the baseline (`baseline`).' });

export const HealthConditionSchema = z
  .strictObject({
    check: z
      .string()
      .min(1)
      .meta({ description: 'Name of an entry in `checks`.', examples: ['service-health-once'], seed: '004' }),
    consecutiveFailures: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Number of consecutive failed checks, compared with `op` (default ">=").', examples: [3], seed: '001' }),
    op: z.enum(['>', '>=']).default('>=').meta({ description: 'How the count of failures compares with `consecutiveFailures`.' }),
    for: Duration.optional().meta({ description: 'Or: the check has failed continuously for this long (service down).', examples: ['2m'] }),
  })
  .refine((c) => (c.consecutiveFailures === undefined) !== (c.for === undefined), {
    message: 'give exactly one of "consecutiveFailures" or "for"',
  })
  .meta({ description: 'A check of `checks` failing: a number of times in a row, or for a while; give exactly one of `consecutiveFailures` or `for`.' });

/** Trigger names follow alert names (Alertmanager's are usually CamelCase). */
const TriggerName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, 'start with a letter; use letters, digits, "_", ".", ":" and "-"');

const TriggerCommon = {
  name: TriggerName.meta({
    description: 'Unique name; an alert whose `alertname` is this name starts the trigger (see `match`).',
    examples: ['ErrorRateCritical'],
    seed: '002',
  }),
  description: z
    .string()
    .optional()
    .meta({
      description: 'The condition as the runbook says it; shown in explain and the incident.',
      examples: ['total error rate > 0.5% sustained for 2+ minutes'],
      seed: '002',
    }),
  category: Slug.optional().meta({
    description: 'Groups triggers for authority rules and decision tables (e.g. "quality-gate").',
    examples: ['automated'],
    seed: '002',
  }),
  severity: Slug.optional().meta({
    description: 'Severity the trigger implies when the context does not give one; one of `severities`.',
    examples: ['critical'],
    seed: '001',
  }),
  match: z
    .record(z.string(), z.string())
    .optional()
    .meta({
      description: 'Alert labels that select this trigger; by default `alertname` equals the trigger name.',
      examples: [{ alertname: 'HighErrorRate', service: 'checkout' }],
    }),
};

const TriggerKind = <K extends 'metric' | 'health' | 'manual'>(kind: K) =>
  z.literal(kind).meta({ description: 'What starts the trigger: a metric condition, a failing health check, or a person declaring a reason.' });

export const TriggerSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .strictObject({ ...TriggerCommon, kind: TriggerKind('metric'), condition: MetricConditionSchema })
      .meta({ description: 'A metric crosses a threshold or moves away from its baseline, optionally held for a window.' }),
    z.strictObject({ ...TriggerCommon, kind: TriggerKind('health'), condition: HealthConditionSchema }).meta({ description: 'A health check keeps failing.' }),
    z
      .strictObject({
        ...TriggerCommon,
        kind: TriggerKind('manual'),
        reason: Slug.meta({
          description: 'Why a person declares it: security-vulnerability, data-integrity, customer-impacting-bug…',
          examples: ['security-vulnerability'],
          seed: '004',
        }),
      })
      .meta({ description: 'A person declares a reason (a security hole, data integrity) with `rollback start`.' }),
  ],
  { error: unknownVariant('kind') },
);

export type Trigger = z.infer<typeof TriggerSchema>;
export type MetricTrigger = Extract<Trigger, { kind: 'metric' }>;
export type HealthTrigger = Extract<Trigger, { kind: 'health' }>;
export type MetricCondition = z.infer<typeof MetricConditionSchema>;
export type HealthCondition = z.infer<typeof HealthConditionSchema>;
