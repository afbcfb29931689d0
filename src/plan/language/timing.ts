// Time targets: spans between milestones of a run (e.g. decided → announced within 1m)
// and the overall SLA, so that each run can be scored against them; a target may apply
// only to some runs (how or by whom decided, which trigger, which canary phase).
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
export const Milestone = z.enum(MILESTONES).meta({ title: 'milestone', description: 'A point in a run.' });
export type Milestone = z.infer<typeof Milestone>;

export const DecisionMode = z.enum(['automated', 'manual']).meta({
  description: "How the rollback was decided: automated (the decision table, or a window's default when nobody answered) or manual (a person).",
});
export type DecisionMode = z.infer<typeof DecisionMode>;

const Span = {
  from: Milestone.meta({ description: 'Milestone the span starts at.', examples: ['decided'], seed: '004' }),
  to: Milestone.meta({ description: 'Milestone the span ends at.', examples: ['announced'], seed: '004' }),
  within: Duration.meta({ description: 'Target: the span takes at most this long.', examples: ['1m'], seed: '004' }),
  mode: DecisionMode.optional().meta({ description: 'Applies only to runs decided this way.', examples: ['automated'], seed: '002' }),
  triggers: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ description: 'Applies only to runs started by these triggers.', examples: [['ErrorRateCritical', 'ShardCpuExhausted']], seed: '002' }),
  phases: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ description: 'Applies only to runs in these canary phases (of rollout.phases).', examples: [['25%']], seed: '002' }),
  decidedBy: z
    .array(Slug)
    .min(1)
    .optional()
    .meta({ description: 'Applies only to runs decided by a member of these roles.', examples: [['team-lead']], seed: '000' }),
};

export const TimeTargetSchema = z.strictObject({
  name: Slug.meta({ description: 'Name of the target, as the report shows it.', examples: ['announcement'], seed: '004' }),
  ...Span,
  note: z
    .string()
    .optional()
    .meta({ description: 'Where the target comes from.', examples: ['§Triggers 1 and 3 — <30 seconds automated rollback'], seed: '002' }),
});

export const TimingSchema = z.strictObject({
  targets: z.array(TimeTargetSchema).default([]).meta({ description: 'Per-stage and end-to-end targets.' }),
  sla: z
    .strictObject(Span)
    .optional()
    .meta({
      description: 'The overall SLA of a run (e.g. decided → validated within 15m).',
      examples: [{ from: 'decided', to: 'validated', within: '15m' }],
      seed: '004',
    }),
});

export type TimeTarget = z.infer<typeof TimeTargetSchema>;
export type Timing = z.infer<typeof TimingSchema>;
