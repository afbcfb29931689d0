// Checks: the verifications a level, a service or a health trigger runs.
import { z } from 'zod';
import { Comparator, Duration, quantityOf, SampleUnitSchema, unknownVariant } from './common';

/**
 * What every check has: its timed stage, and its own settle and re-check when it verifies a
 * level or a wave, where the level's `verification` does not fit it (seed 004 §2.4 waits 10 s
 * "for metrics to populate" before the metrics alone; §2.5 re-runs only the SLO tests, after 60 s).
 */
const CheckCommon = {
  stage: z
    .enum(['verify', 'validate-slos'])
    .default('verify')
    .meta({
      description: 'Which timed stage a check belongs to: service verification, or SLO validation (seed 004 §2.4/§2.5).',
      examples: ['validate-slos'],
      seed: '004',
    }),
  settle: Duration.optional().meta({
    description: "Wait before this check's first run when it verifies a level or a wave, after the level's settle and the checks before it.",
    examples: ['10s'],
    seed: '004',
  }),
  recheckAfter: Duration.optional().meta({
    description: "When this check fails, it is run again after this wait (else the level's recheckAfter).",
    examples: ['60s'],
    seed: '004',
  }),
  rechecks: z
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .meta({ description: "How many times this check is run again when it fails (else the level's rechecks).", examples: [1], seed: '004' }),
};
const CheckType = <T extends string>(type: T) => z.literal(type).meta({ description: 'How the check verifies; each type below says what it takes.' });

export const HttpCheckSchema = z
  .strictObject({
    type: CheckType('http'),
    ...CheckCommon,
    url: z.url().meta({ description: 'URL to GET.', examples: ['http://localhost:8000/health'], seed: '004' }),
    expectStatus: z
      .number()
      .int()
      .min(100)
      .max(599)
      .default(200)
      .meta({ description: 'Status code that passes.', examples: [200] }),
    attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .meta({ description: 'Tries before the check fails.', examples: [10], seed: '004' }),
    delay: Duration.default('5s').meta({ description: 'Wait between tries.', examples: ['10s'], seed: '004' }),
    timeout: Duration.default('5s').meta({ description: 'How long one try may take.', examples: ['5s'], seed: '004' }),
  })
  .meta({ description: 'An HTTP health check with retries: passes when a try answers `expectStatus`.' });

export const CommandCheckSchema = z
  .strictObject({
    type: CheckType('command'),
    ...CheckCommon,
    command: z
      .string()
      .min(1)
      .meta({ description: 'The command (bash, `set -euo pipefail`).', examples: ['pytest tests/test_smoke.py -v --tb=short'], seed: '004' }),
    expectExit: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(0)
      .meta({ description: 'Exit code that passes.', examples: [0] }),
    timeout: Duration.default('5m').meta({ description: 'How long the command may run.', examples: ['4m'], seed: '002' }),
  })
  .meta({ description: 'A smoke test or any script: passes when it exits with `expectExit`.' });

export const MetricCheckSchema = z
  .strictObject({
    type: CheckType('metric'),
    ...CheckCommon,
    query: z
      .string()
      .min(1)
      .meta({ description: 'Query the metric source (`adapters.metrics`) runs.', examples: ['phase_4_traffic_percentage'], seed: '004' }),
    sampleUnit: SampleUnitSchema.optional(),
    op: Comparator.meta({ description: 'How the value compares with `threshold` to pass.', examples: ['<'], seed: '002' }),
    threshold: quantityOf().meta({ description: 'Limit the value is compared with.', examples: ['0.1%'], seed: '002' }),
    within: Duration.optional().meta({
      description: 'Passing is required within this long after the check starts (e.g. "within 5 minutes").',
      examples: ['30s'],
      seed: '002',
    }),
  })
  .meta({ description: 'A metric query compared with a threshold (an SLO after rollback).' });

export const CheckSchema = z
  .discriminatedUnion('type', [HttpCheckSchema, CommandCheckSchema, MetricCheckSchema], {
    error: unknownVariant('type'),
  })
  .meta({ id: 'Check', title: 'check', description: 'A verification: an HTTP health check with retries, a command, or a metric query against a threshold.' });

export const VerificationSchema = z
  .strictObject({
    settle: Duration.default('0s').meta({ description: 'Wait before the first check (services initialising).', examples: ['30s'], seed: '004' }),
    recheckAfter: Duration.default('0s').meta({
      description: 'Failed checks are run again after this wait, `rechecks` times (seed 004 §2.5).',
      examples: ['60s'],
      seed: '004',
    }),
    rechecks: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .meta({ description: 'How many times failed checks are run again.', examples: [1], seed: '004' }),
    stabilization: Duration.default('0s').meta({
      description: "Between dependency waves of a multi-service rollback: wait, then the services' checks.",
      examples: ['2m'],
      seed: '003',
    }),
  })
  .meta({ description: "After a level's steps: settle, check, and when a check fails wait and check again." });

export type Check = z.infer<typeof CheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type CommandCheck = z.infer<typeof CommandCheckSchema>;
export type MetricCheck = z.infer<typeof MetricCheckSchema>;
export type Verification = z.infer<typeof VerificationSchema>;
