// Authority: roles mapped to people, who may decide which trigger in which context, and
// the people-escalation schedule (who is brought in as the incident ages).
import { z } from 'zod';
import { Duration, SlackUserId, Slug } from './common';
import { WhenSchema } from './decisions';
import { Quorum } from './outcomeParts';

export const RoleSchema = z.strictObject({
  title: z
    .string()
    .optional()
    .meta({ description: 'What the role is called in the runbook.', examples: ['Sprint DRI (Backend, Search)'], seed: '002' }),
  members: z
    .array(SlackUserId)
    .min(1)
    .meta({ description: 'Slack user ids of the people who hold the role.', examples: [['U0LENSDRIBE', 'U0LENSDRISE']], seed: '002' }),
});

export const DecideRuleSchema = z
  .strictObject({
    when: WhenSchema.default({}).meta({ description: 'Which triggers and contexts the rule covers; without it, all.' }),
    roles: z
      .array(Slug)
      .default([])
      .meta({ description: 'Roles whose members may approve or reject.', examples: [['oncall', 'team-lead', 'eng-manager']], seed: '000' }),
    quorum: Quorum.default('any'),
    system: z
      .boolean()
      .default(false)
      .meta({ description: 'The system decides alone (automated triggers): nobody approves or rejects.', examples: [true], seed: '002' }),
    note: z
      .string()
      .optional()
      .meta({ description: 'Why, for people reading the plan.', examples: ['Automated — System, in every phase'], seed: '002' }),
  })
  .refine((r) => r.system !== r.roles.length > 0, {
    message: 'give either "roles" or "system: true"',
    path: ['roles'],
  });

export const EscalationStepSchema = z.strictObject({
  after: Duration.meta({ description: 'Time since the incident opened.', examples: ['0m', '15m'], seed: '000' }),
  roles: z
    .array(Slug)
    .min(1)
    .meta({ description: 'Roles paged at that time.', examples: [['oncall']], seed: '000' }),
  note: z
    .string()
    .optional()
    .meta({ description: 'What the role does then.', examples: ['executes kill switch (0-5 minutes)'], seed: '000' }),
});

/**
 * How long people escalation goes on: "decision" while nobody has decided (it stops at the
 * first decision that stands: seed 000 §Escalation Path ends in "engineering manager + product
 * owner decision"); "rollback" until the rollback has ended, verified or not (the default);
 * "run" until the run ends, monitoring after the rollback included (seed 004 §6.2 "still
 * failing after 10 minutes: ESCALATE").
 */
export const EscalationScope = z.enum(['decision', 'rollback', 'run']);

export const AuthoritySchema = z.strictObject({
  roles: z.record(Slug, RoleSchema).meta({
    description: 'Roles by name, each mapped to the people who hold it.',
    examples: [{ oncall: { title: 'On-call engineer', members: ['U0RESONCALL'] } }],
    seed: '000',
  }),
  decide: z.array(DecideRuleSchema).default([]).meta({ description: 'First matching rule says who may decide.' }),
  escalation: z.array(EscalationStepSchema).default([]).meta({ description: 'People escalation: who is brought in as the incident ages.' }),
  escalationScope: EscalationScope.default('rollback').meta({
    description:
      'How long people escalation goes on: "decision" while nobody has decided (stops at the first decision), "rollback" until the rollback has ended, verified or not, "run" until the run ends, monitoring after the rollback included.',
    examples: ['decision'],
    seed: '000',
  }),
});

export type Authority = z.infer<typeof AuthoritySchema>;
export type DecideRule = z.infer<typeof DecideRuleSchema>;
export type EscalationStep = z.infer<typeof EscalationStepSchema>;
export type EscalationScope = z.infer<typeof EscalationScope>;
