// Decision tables: the context of a fired trigger (canary phase, severity, share of users
// affected, time to fix, metric value, how long it has held, migration kind) → outcome.
// Rules are read top to bottom and the first match wins; a table must leave no hole.
import { z } from 'zod';
import { Duration, oneOrMany, rangeOf, Slug, unknownVariant } from './common';
import { DecisionDefault, Migration, Quorum } from './outcomeParts';
import { StepSchema } from './steps';

/** Conditions on the context; an absent field matches anything. */
export const WhenSchema = z.strictObject({
  trigger: oneOrMany(z.string().min(1)).optional(),
  kind: oneOrMany(z.enum(['metric', 'health', 'manual'])).optional(),
  category: oneOrMany(Slug).optional(),
  /** Canary phase, one of `rollout.phases`. */
  phase: oneOrMany(z.string().min(1)).optional(),
  /** One of `severities`. */
  severity: oneOrMany(Slug).optional(),
  migration: oneOrMany(Migration).optional(),
  /** The trigger's current metric value, in the trigger's unit ("> 1%", "200ms .. 500ms"). */
  value: rangeOf().optional(),
  /** Share of users affected ("> 50%", "= 100%"). */
  impact: rangeOf(['fraction']).optional(),
  /** Estimated time to a fix ("> 30m"). */
  timeToFix: rangeOf(['time']).optional(),
  /** How long the condition has held ("1m .. 2m"). */
  heldFor: rangeOf(['time']).optional(),
});

/** Actions taken at once, whatever the outcome (restart, shadow mode, disable writes). */
const OutcomeCommon = {
  steps: z.array(StepSchema).optional(),
  note: z.string().optional(),
};

const LevelNumber = z.number().int().min(1).max(5);

export const OutcomeSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({
      action: z.literal('rollback'),
      /** Level to start at; deeper escalation may go on to `maxLevel`. */
      level: LevelNumber.optional(),
      maxLevel: LevelNumber.optional(),
      ...OutcomeCommon,
    }),
    z.strictObject({
      action: z.literal('ask'),
      /** How long the approvers have to decide. */
      window: Duration,
      /** What happens when nobody decides within the window. */
      default: DecisionDefault,
      /** Role names; each must be allowed to decide by `authority.decide`. */
      approvers: z.array(Slug).min(1),
      quorum: Quorum.default('any'),
      /** A "hold" lasts at most this long from detection; then the trigger is decided again. */
      holdLimit: Duration.optional(),
      level: LevelNumber.optional(),
      maxLevel: LevelNumber.optional(),
      ...OutcomeCommon,
    }),
    z.strictObject({ action: z.literal('prepare'), ...OutcomeCommon }),
    z.strictObject({ action: z.literal('monitor'), ...OutcomeCommon }),
    z.strictObject({ action: z.literal('fix-forward'), ...OutcomeCommon }),
  ],
  { error: unknownVariant('action') },
);

export const DecisionRuleSchema = z.strictObject({
  when: WhenSchema.default({}),
  outcome: OutcomeSchema,
  note: z.string().optional(),
});

export const DecisionTableSchema = z.strictObject({
  name: Slug,
  /** Where the table comes from in the runbook. */
  source: z.string().optional(),
  /** Triggers this table decides; each trigger is decided by exactly one table. */
  triggers: z.array(z.string().min(1)).min(1),
  rules: z.array(DecisionRuleSchema).min(1),
});

export type When = z.infer<typeof WhenSchema>;
export type Outcome = z.infer<typeof OutcomeSchema>;
export type DecisionRule = z.infer<typeof DecisionRuleSchema>;
export type DecisionTable = z.infer<typeof DecisionTableSchema>;
