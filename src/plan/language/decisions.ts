// Decision tables: the context of a fired trigger (canary phase, severity, share of users
// affected, time to fix, metric value, how long it has held, migration kind) → outcome.
// Rules are read top to bottom and the first match wins; a table must leave no hole.
import { z } from 'zod';
import { Duration, oneOrMany, rangeOf, Slug, unknownVariant } from './common';
import { DecisionDefault, Migration, Quorum } from './outcomeParts';
import { StepSchema } from './steps';

export const WhenSchema = z
  .strictObject({
    trigger: oneOrMany(z.string().min(1))
      .optional()
      .meta({ description: 'Trigger name, or a list of them.', examples: [['ErrorRateCritical', 'P99LatencyRegression']], seed: '002' }),
    kind: oneOrMany(z.enum(['metric', 'health', 'manual']))
      .optional()
      .meta({ description: 'Kind of the trigger that fired, or a list of kinds.', examples: ['manual'], seed: '004' }),
    category: oneOrMany(Slug)
      .optional()
      .meta({ description: "The trigger's `category`, or a list of them.", examples: [['prepare', 'immediate']], seed: '003' }),
    phase: oneOrMany(z.string().min(1))
      .optional()
      .meta({ description: 'Canary phase, one of `rollout.phases` (or a list of them).', examples: ['5%', ['5%', '25%']], seed: '002' }),
    severity: oneOrMany(Slug)
      .optional()
      .meta({ description: 'One of `severities` (or a list of them).', examples: ['critical'], seed: '001' }),
    migration: oneOrMany(Migration)
      .optional()
      .meta({ description: "The release's migration kind (the alert's `migration` label), or a list of kinds.", examples: ['irreversible'], seed: '003' }),
    value: rangeOf()
      .optional()
      .meta({
        description: 'The trigger\'s current metric value, in the trigger\'s unit ("> 1%", "200ms .. 500ms").',
        examples: ['< 0.1%', '0.1% .. 1%'],
        seed: '004',
      }),
    impact: rangeOf(['fraction'])
      .optional()
      .meta({ description: 'Share of users affected ("> 50%", "= 100%").', examples: ['= 100%'], seed: '001' }),
    timeToFix: rangeOf(['time'])
      .optional()
      .meta({ description: 'Estimated time to a fix ("> 30m").', examples: ['> 1h'], seed: '001' }),
    heldFor: rangeOf(['time'])
      .optional()
      .meta({ description: 'How long the condition has held ("1m .. 2m").', examples: ['0s .. 1m'], seed: '004' }),
  })
  .meta({ id: 'When', title: 'when', description: 'Conditions on the context; an absent field matches anything.' });

const OutcomeCommon = {
  steps: z.array(StepSchema).optional().meta({ description: 'Actions taken at once, whatever the outcome (restart, shadow mode, disable writes).' }),
  note: z
    .string()
    .optional()
    .meta({ description: "Why, in the runbook's words; shown in explain and the incident.", examples: ['investigate + prepare rollback'], seed: '004' }),
};

const LevelNumber = z.number().int().min(1).max(5);
const StartLevel = LevelNumber.optional().meta({ description: 'Level to start at; deeper escalation may go on to `maxLevel`.', examples: [1], seed: '000' });
const MaxLevel = LevelNumber.optional().meta({
  description: 'Deepest level escalation may reach (by default the deepest level of the plan).',
  examples: [3],
  seed: '001',
});
const Action = <A extends string>(action: A) =>
  z.literal(action).meta({ description: 'What the decision does: roll back now, ask people, prepare, monitor, or fix forward.' });

export const OutcomeSchema = z
  .discriminatedUnion(
    'action',
    [
      z
        .strictObject({ action: Action('rollback'), level: StartLevel, maxLevel: MaxLevel, ...OutcomeCommon })
        .meta({ description: 'Roll back now, from `level` (by default the first level).' }),
      z
        .strictObject({
          action: Action('ask'),
          window: Duration.meta({ description: 'How long the approvers have to decide.', examples: ['5m'], seed: '002' }),
          default: DecisionDefault.meta({ description: 'What happens when nobody decides within the window.', examples: ['rollback'], seed: '002' }),
          approvers: z
            .array(Slug)
            .min(1)
            .meta({ description: 'Role names; each must be allowed to decide by `authority.decide`.', examples: [['sprint-dri']], seed: '002' }),
          quorum: Quorum.default('any'),
          holdLimit: Duration.optional().meta({
            description: 'A "hold" lasts at most this long from detection; then the trigger is decided again.',
            examples: ['30m'],
            seed: '002',
          }),
          level: StartLevel,
          maxLevel: MaxLevel,
          ...OutcomeCommon,
        })
        .meta({ description: 'Ask people to decide within a window; when nobody answers, `default` decides.' }),
      z
        .strictObject({ action: Action('prepare'), ...OutcomeCommon })
        .meta({ description: "Get ready (run `steps`) and watch for `monitoring`'s span: a person may raise it to a rollback, a new alert is decided again." }),
      z.strictObject({ action: Action('monitor'), ...OutcomeCommon }).meta({ description: 'Watch as after `prepare`, without getting ready.' }),
      z
        .strictObject({ action: Action('fix-forward'), ...OutcomeCommon })
        .meta({ description: 'Do not roll back: a forward fix is recorded as a follow-up (seed 003 §4.5, an irreversible migration).' }),
    ],
    { error: unknownVariant('action') },
  )
  .meta({ description: 'What the decision is.' });

export const DecisionRuleSchema = z.strictObject({
  when: WhenSchema.default({}).meta({ description: 'When the rule applies; without it, always (a last rule that catches the rest).' }),
  outcome: OutcomeSchema,
  note: z
    .string()
    .optional()
    .meta({ description: 'Why, for people reading the plan.', examples: ['canary promotion halted'], seed: '000' }),
});

export const DecisionTableSchema = z.strictObject({
  name: Slug.meta({ description: 'Name of the table.', examples: ['canary-matrix'], seed: '002' }),
  source: z
    .string()
    .optional()
    .meta({ description: 'Where the table comes from in the runbook.', examples: ['002 §Canary Phase Rollback Decisions'], seed: '002' }),
  triggers: z
    .array(z.string().min(1))
    .min(1)
    .meta({
      description: 'Triggers this table decides; each trigger is decided by exactly one table.',
      examples: [['ErrorRateCritical', 'P99LatencyRegression']],
      seed: '002',
    }),
  rules: z
    .array(DecisionRuleSchema)
    .min(1)
    .meta({ description: 'Read top to bottom; the first rule whose `when` matches decides. The rules must leave no context undecided.' }),
});

export type When = z.infer<typeof WhenSchema>;
export type Outcome = z.infer<typeof OutcomeSchema>;
export type DecisionRule = z.infer<typeof DecisionRuleSchema>;
export type DecisionTable = z.infer<typeof DecisionTableSchema>;
