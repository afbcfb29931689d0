// What surrounds a rollback: watching the service afterwards, freezing deployments,
// drills and their evidence, the incident report and the runbook's checklists.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const MonitoringSchema = z.strictObject({
  cycles: z.number().int().min(1),
  interval: Duration,
  /** Checks run every cycle. */
  checks: z.array(z.string()).default([]),
  /** What re-opens the incident during monitoring. */
  reopenOn: z
    .strictObject({
      /** Any alert active in the alert source. */
      activeAlerts: z.boolean().default(false),
      /** These triggers firing again ("any" = any trigger of the plan). */
      triggers: z.union([z.literal('any'), z.array(z.string().min(1))]).default('any'),
      /** A monitoring check failing. */
      failedChecks: z.boolean().default(true),
    })
    .default({ activeAlerts: false, triggers: 'any', failedChecks: true }),
});

export const FreezeSchema = z.strictObject({
  /** Refuse deployments while the incident is open. */
  deployments: z.boolean(),
  scope: z.enum(['affected-services', 'all']).default('affected-services'),
});

/** Evidence the engine gathers by itself; "manual" items are confirmed by a person. */
export const EVIDENCE_SOURCES = ['timestamps', 'trigger-snapshots', 'commands', 'check-results', 'follow-ups', 'decisions', 'manual'] as const;

export const DrillSchema = z.strictObject({
  name: Slug,
  environment: z.string().min(1),
  /** At least this often (a quarter ≈ 90d). */
  cadence: Duration,
  /** Events after which an extra drill is due. */
  alsoAfter: z.array(z.string().min(1)).default([]),
  /** Run adapters for real in the drill environment, or only record what would run. */
  mode: z.enum(['live', 'dry-run']).default('live'),
  /** Practice these levels. */
  levels: z.array(z.union([Slug, z.number().int().min(1).max(5)])).default([]),
  evidence: z.array(z.strictObject({ id: Slug, text: z.string().min(1), collect: z.enum(EVIDENCE_SOURCES) })).default([]),
});

export const REPORT_METRICS = [
  'time-to-detection',
  'time-to-decision',
  'time-to-rollback',
  'total-downtime',
  'rollback-duration',
  'users-affected',
  'revenue-impact',
  'data-loss',
] as const;

export const ReportSchema = z.strictObject({
  /** Template in `notifications.templates` the report is written from. */
  template: Slug.optional(),
  /** The report is due this long after the incident closes. */
  due: Duration,
  /** Sections a person fills in (summary, root cause, prevention…). */
  fields: z.array(z.string().min(1)).default([]),
  metrics: z.array(z.enum(REPORT_METRICS)).default([]),
  /** Follow-up tasks opened with every report. */
  followUps: z.array(z.string().min(1)).default([]),
});

/**
 * The runbook's own checklists, kept with the plan for people to read. Documentation only:
 * the engine runs none of them (what runs is the levels' steps and checks).
 */
export const ChecklistsSchema = z.strictObject({
  pre: z.array(z.string().min(1)).default([]),
  during: z.array(z.string().min(1)).default([]),
  post: z.array(z.string().min(1)).default([]),
});

export type Monitoring = z.infer<typeof MonitoringSchema>;
export type Drill = z.infer<typeof DrillSchema>;
export type Report = z.infer<typeof ReportSchema>;
