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
  level: z.number().int().min(1).max(5),
  /** Unique name; by default the level number. */
  id: Slug.optional(),
  name: z.string().min(1),
  /** When the runbook says to use it. */
  when: z.string().optional(),
  /** Target duration for the whole level (seed 001: "< 15 minutes"). */
  target: Duration.optional(),
  steps: z.array(StepSchema).min(1),
  /** Names of entries in `checks` that verify this level. */
  checks: z.array(z.string()).default([]),
  verification: VerificationSchema.partial().optional(),
  /**
   * Migration kinds under which this level may run (seed 003 §4.5: with an irreversible
   * migration, do not roll the app back — fix forward). By default any.
   */
  migrations: z.array(Migration).min(1).optional(),
  /**
   * Next level when this one's checks fail: a level id or number, or "stop".
   * By default the next deeper level.
   */
  onFailure: z.union([Slug, z.number().int().min(1).max(5)]).optional(),
});

export type Level = z.infer<typeof LevelSchema>;
