// What to record before the first action and after verification (seed 004 §1.3
// "Capture Pre-Rollback State"): the deployed commit, metric samples, recent log lines.
import { z } from 'zod';
import { SAMPLE_UNITS, type SampleUnit } from '../quantity';
import { Duration } from './common';

export const CaptureMetricSchema = z.strictObject({
  name: z.string().min(1),
  query: z.string().min(1),
  sampleUnit: z.enum(Object.keys(SAMPLE_UNITS) as [SampleUnit, ...SampleUnit[]]).optional(),
});

export const CaptureSchema = z.strictObject({
  /** The commit checked out in `adapters.git` (the runbook's `git log -1`). */
  commit: z.boolean().default(true),
  metrics: z.array(CaptureMetricSchema).default([]),
  /** A command printing recent log lines; its output is trimmed like any command's. */
  logs: z.strictObject({ command: z.string().min(1), timeout: Duration.default('30s') }).optional(),
});

export type Capture = z.infer<typeof CaptureSchema>;
export type CaptureMetric = z.infer<typeof CaptureMetricSchema>;
