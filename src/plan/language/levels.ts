// Levels: how deep a rollback goes (1 flag, 2 config, 3 code, 4 database, 5 full system),
// each an ordered list of steps, the checks that verify it, and which level follows when
// those checks fail. Several entries may share a depth (git rollback and backup restore
// are both code rollbacks); `id` tells them apart.
import { z } from 'zod';
import { Duration, Slug } from './common';
import { VerificationSchema } from './checks';
import { Migration } from './outcomeParts';
import { StepSchema } from './steps';

export const LevelSchema = z.strictObject({
  level: z
    .number()
    .int()
    .min(1)
    .max(5)
    .meta({ description: 'How deep: 1 flag, 2 config, 3 code, 4 database, 5 full system.', examples: [1], seed: '001' }),
  id: Slug.optional().meta({ description: 'Unique name; by default the level number.', examples: ['kill-switch'], seed: '000' }),
  name: z
    .string()
    .min(1)
    .meta({ description: 'What the level is, as the runbook says it.', examples: ['feature flag kill switch'], seed: '000' }),
  when: z
    .string()
    .optional()
    .meta({ description: 'When the runbook says to use it.', examples: ['issue isolated to Phase 4 features, base system stable'], seed: '004' }),
  target: Duration.optional().meta({ description: 'Target duration for the whole level (seed 001: "< 15 minutes").', examples: ['30s'], seed: '000' }),
  steps: z.array(StepSchema).min(1).meta({ description: 'What the level does, in order.' }),
  checks: z
    .array(z.string())
    .default([])
    .meta({ description: 'Names of entries in `checks` that verify this level.', examples: [['service-health', 'phase4-traffic-zero']], seed: '004' }),
  verification: VerificationSchema.partial().optional().meta({ description: "This level's own settle and re-check times, over the plan's `verification`." }),
  migrations: z
    .array(Migration)
    .min(1)
    .optional()
    .meta({
      description:
        'Migration kinds under which this level may run (seed 003 §4.5: with an irreversible migration, do not roll the app back — fix forward). By default any.',
      examples: [['none', 'reversible']],
      seed: '003',
    }),
  onFailure: z
    .union([Slug, z.number().int().min(1).max(5)])
    .optional()
    .meta({
      description: 'Next level when this one\'s checks fail: a level id or number, or "stop". By default the next deeper level.',
      examples: ['database-restore', 'stop'],
      seed: '001',
    }),
});

export type Level = z.infer<typeof LevelSchema>;
