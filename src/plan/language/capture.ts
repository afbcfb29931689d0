// What to record before the first action and after verification (seed 004 §1.3
// "Capture Pre-Rollback State"): the deployed commit, metric samples, recent log lines.
import { z } from 'zod';
import { Duration, SampleUnitSchema } from './common';

export const CaptureMetricSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .meta({ description: 'Name the sample is recorded under.', examples: ['up'], seed: '004' }),
  query: z
    .string()
    .min(1)
    .meta({ description: 'Query the metric source (`adapters.metrics`) runs.', examples: ['up'], seed: '004' }),
  sampleUnit: SampleUnitSchema.optional(),
});

export const CaptureSchema = z.strictObject({
  commit: z
    .boolean()
    .default(true)
    .meta({ description: "The commit checked out in `adapters.git` (the runbook's `git log -1`).", examples: [true], seed: '004' }),
  metrics: z.array(CaptureMetricSchema).default([]).meta({ description: 'Metric samples to record.' }),
  logs: z
    .strictObject({
      command: z
        .string()
        .min(1)
        .meta({ description: 'The command (bash, `set -euo pipefail`).', examples: ['tail -n 50 logs/*.log'], seed: '004' }),
      timeout: Duration.default('30s').meta({ description: 'How long the command may run.', examples: ['30s'], seed: '004' }),
    })
    .optional()
    .meta({ description: "A command printing recent log lines; its output is trimmed like any command's." }),
});

export type Capture = z.infer<typeof CaptureSchema>;
export type CaptureMetric = z.infer<typeof CaptureMetricSchema>;
