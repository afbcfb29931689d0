// Time targets: spans between milestones of a run (e.g. decided → announced within 1m)
// and the overall SLA, so that each run can be scored against them.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const MILESTONES = [
  'detected',
  'decided',
  'announced',
  'drained',
  'rolled-back',
  'verified',
  'validated',
  'notified',
  'stabilized',
  'monitored',
  'reported',
] as const;
export const Milestone = z.enum(MILESTONES);
export type Milestone = z.infer<typeof Milestone>;

/** How the rollback was decided: automated (the decision table, or a window's default when nobody answered) or manual (a person). */
export const DecisionMode = z.enum(['automated', 'manual']);
export type DecisionMode = z.infer<typeof DecisionMode>;

const Span = {
  from: Milestone,
  to: Milestone,
  within: Duration,
  /** Applies only to runs decided this way. */
  mode: DecisionMode.optional(),
  /** Applies only to runs started by these triggers. */
  triggers: z.array(z.string().min(1)).min(1).optional(),
};

export const TimeTargetSchema = z.strictObject({ name: Slug, ...Span, note: z.string().optional() });

export const TimingSchema = z.strictObject({
  /** Per-stage and end-to-end targets. */
  targets: z.array(TimeTargetSchema).default([]),
  sla: z.strictObject(Span).optional(),
});

export type TimeTarget = z.infer<typeof TimeTargetSchema>;
export type Timing = z.infer<typeof TimingSchema>;
