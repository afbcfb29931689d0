// Checks: the verifications a level, a service or a health trigger runs.
import { z } from 'zod';
import { SAMPLE_UNITS, type SampleUnit } from '../quantity';
import { Comparator, Duration, quantityOf, unknownVariant } from './common';

/** Which timed stage a check belongs to: service verification, or SLO validation (seed 004 §2.4/§2.5). */
const CheckStage = { stage: z.enum(['verify', 'validate-slos']).default('verify') };

export const HttpCheckSchema = z.strictObject({
  type: z.literal('http'),
  ...CheckStage,
  url: z.url(),
  expectStatus: z.number().int().min(100).max(599).default(200),
  attempts: z.number().int().min(1).max(100).default(3),
  delay: Duration.default('5s'),
  timeout: Duration.default('5s'),
});

/** A smoke test or any script: passes when it exits with `expectExit`. */
export const CommandCheckSchema = z.strictObject({
  type: z.literal('command'),
  ...CheckStage,
  command: z.string().min(1),
  expectExit: z.number().int().min(0).max(255).default(0),
  timeout: Duration.default('5m'),
});

/** A metric query compared with a threshold (an SLO after rollback). */
export const MetricCheckSchema = z.strictObject({
  type: z.literal('metric'),
  ...CheckStage,
  query: z.string().min(1),
  sampleUnit: z.enum(Object.keys(SAMPLE_UNITS) as [SampleUnit, ...SampleUnit[]]).optional(),
  op: Comparator,
  threshold: quantityOf(),
  /** Passing is required within this long after the check starts (e.g. "within 5 minutes"). */
  within: Duration.optional(),
});

export const CheckSchema = z
  .discriminatedUnion('type', [HttpCheckSchema, CommandCheckSchema, MetricCheckSchema], {
    error: unknownVariant('type'),
  })
  .meta({ id: 'Check', title: 'check', description: 'A verification: an HTTP health check with retries, a command, or a metric query against a threshold.' });

/** After a level's steps: settle, check, and when a check fails wait and check again. */
export const VerificationSchema = z.strictObject({
  /** Wait before the first check (services initialising). */
  settle: Duration.default('0s'),
  /** Failed checks are run again after this wait, `rechecks` times (seed 004 §2.5). */
  recheckAfter: Duration.default('0s'),
  rechecks: z.number().int().min(0).max(10).default(0),
  /** Between dependency waves of a multi-service rollback: wait, then the services' checks. */
  stabilization: Duration.default('0s'),
});

export type Check = z.infer<typeof CheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type CommandCheck = z.infer<typeof CommandCheckSchema>;
export type MetricCheck = z.infer<typeof MetricCheckSchema>;
export type Verification = z.infer<typeof VerificationSchema>;
