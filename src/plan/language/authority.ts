// Authority: roles mapped to people, who may decide which trigger in which context, and
// the people-escalation schedule (who is brought in as the incident ages).
import { z } from 'zod';
import { Duration, SlackUserId, Slug } from './common';
import { WhenSchema } from './decisions';
import { Quorum } from './outcomeParts';

export const RoleSchema = z.strictObject({
  title: z.string().optional(),
  /** Slack user ids of the people who hold the role. */
  members: z.array(SlackUserId).min(1),
});

export const DecideRuleSchema = z
  .strictObject({
    when: WhenSchema.default({}),
    /** Roles whose members may approve or reject. */
    roles: z.array(Slug).default([]),
    quorum: Quorum.default('any'),
    /** The system decides alone (automated triggers): nobody approves or rejects. */
    system: z.boolean().default(false),
    note: z.string().optional(),
  })
  .refine((r) => r.system !== r.roles.length > 0, {
    message: 'give either "roles" or "system: true"',
    path: ['roles'],
  });

export const EscalationStepSchema = z.strictObject({
  /** Time since the incident opened. */
  after: Duration,
  roles: z.array(Slug).min(1),
  note: z.string().optional(),
});

export const AuthoritySchema = z.strictObject({
  roles: z.record(Slug, RoleSchema),
  /** First matching rule says who may decide. */
  decide: z.array(DecideRuleSchema).default([]),
  escalation: z.array(EscalationStepSchema).default([]),
});

export type Authority = z.infer<typeof AuthoritySchema>;
export type DecideRule = z.infer<typeof DecideRuleSchema>;
export type EscalationStep = z.infer<typeof EscalationStepSchema>;
