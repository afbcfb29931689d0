// What surrounds a rollback: watching the service afterwards, freezing deployments,
// drills and their evidence, the incident report and the runbook's checklists.
import { z } from 'zod';
import { Duration, type SeedId, Slug } from './common';

export const MonitoringSchema = z.strictObject({
  cycles: z
    .number()
    .int()
    .min(1)
    .meta({ description: 'How many monitoring cycles.', examples: [6], seed: '004' }),
  interval: Duration.meta({ description: 'Time between cycles.', examples: ['5m'], seed: '004' }),
  checks: z
    .array(z.string())
    .default([])
    .meta({ description: 'Checks run every cycle.', examples: [['error-rate-low', 'p99-at-baseline', 'ndcg-at-baseline']], seed: '002' }),
  reopenOn: z
    .strictObject({
      activeAlerts: z
        .boolean()
        .default(false)
        .meta({ description: 'Any alert active in the alert source.', examples: [true], seed: '004' }),
      triggers: z
        .union([z.literal('any'), z.array(z.string().min(1))])
        .default('any')
        .meta({ description: 'These triggers firing again ("any" = any trigger of the plan).', examples: ['any'], seed: '004' }),
      failedChecks: z
        .boolean()
        .default(true)
        .meta({ description: 'A monitoring check failing.', examples: [true], seed: '004' }),
    })
    .default({ activeAlerts: false, triggers: 'any', failedChecks: true })
    .meta({ description: 'What re-opens the incident during monitoring.' }),
});

export const FreezeSchema = z.strictObject({
  deployments: z.boolean().meta({ description: 'Refuse deployments while the incident is open.', examples: [true], seed: '003' }),
  scope: z
    .enum(['affected-services', 'all'])
    .default('affected-services')
    .meta({ description: "Whose deployments: the incident's services, or all.", examples: ['all'], seed: '003' }),
});

/** Evidence the engine gathers by itself; "manual" items are confirmed by a person. */
export const EVIDENCE_SOURCES = ['timestamps', 'trigger-snapshots', 'commands', 'check-results', 'follow-ups', 'decisions', 'manual'] as const;

export const DrillSchema = z.strictObject({
  name: Slug.meta({ description: 'Name of the drill (`rollback drill --drill <name>`).', examples: ['quarterly'], seed: '003' }),
  environment: z
    .string()
    .min(1)
    .meta({ description: 'Environment the drill runs in, one of `targets.environments`.', examples: ['staging'], seed: '003' }),
  cadence: Duration.meta({ description: 'At least this often (a quarter ≈ 90d).', examples: ['90d'], seed: '003' }),
  alsoAfter: z
    .array(z.string().min(1))
    .default([])
    .meta({ description: 'Events after which an extra drill is due.', examples: [['major-migration']], seed: '003' }),
  mode: z
    .enum(['live', 'dry-run'])
    .default('live')
    .meta({ description: 'Run adapters for real in the drill environment, or only record what would run.', examples: ['dry-run'] }),
  levels: z
    .array(z.union([Slug, z.number().int().min(1).max(5)]))
    .default([])
    .meta({ description: 'Practice these levels (ids or numbers).', examples: [['agent-read-only', 'app-rollback']], seed: '003' }),
  evidence: z
    .array(
      z.strictObject({
        id: Slug.meta({ description: 'Name of the item.', examples: ['timestamps'], seed: '003' }),
        text: z
          .string()
          .min(1)
          .meta({ description: 'What the item proves.', examples: ['Start and end timestamps captured'], seed: '003' }),
        collect: z.enum(EVIDENCE_SOURCES).meta({
          description: 'What the engine gathers for it by itself; "manual" items are confirmed by a person.',
          examples: ['timestamps'],
          seed: '003',
        }),
      }),
    )
    .default([])
    .meta({ description: 'The evidence checklist a drill fills in.' }),
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
  template: Slug.optional().meta({
    description: 'Template in `notifications.templates` the report is written from.',
    examples: ['incident-report'],
    seed: '004',
  }),
  due: Duration.meta({ description: 'The report is due this long after the incident closes.', examples: ['24h'], seed: '004' }),
  fields: z
    .array(z.string().min(1))
    .default([])
    .meta({
      description: 'Sections a person fills in (summary, root cause, prevention…).',
      examples: [['timeline', 'root cause', 'corrective actions (owner, due date)']],
      seed: '003',
    }),
  metrics: z
    .array(z.enum(REPORT_METRICS))
    .default([])
    .meta({ description: 'Figures the report computes.', examples: [['time-to-detection', 'time-to-decision', 'time-to-rollback']], seed: '003' }),
  followUps: z
    .array(z.string().min(1))
    .default([])
    .meta({ description: 'Follow-up tasks opened with every report.', examples: [['Corrective actions with owners and due dates']], seed: '003' }),
});

const Checklist = (when: string, example: string, seed: SeedId) =>
  z
    .array(z.string().min(1))
    .default([])
    .meta({ description: `Items to tick ${when}.`, examples: [[example]], seed });

/**
 * The runbook's own checklists, kept with the plan for people to read. Documentation only:
 * the engine runs none of them (what runs is the levels' steps and checks).
 */
export const ChecklistsSchema = z.strictObject({
  pre: Checklist('before a rollback', 'Alert validated (not false positive)', '004'),
  during: Checklist('during a rollback', 'Confirm legacy engine active', '000'),
  post: Checklist('after a rollback', 'Confirm system stable', '001'),
});

export type Monitoring = z.infer<typeof MonitoringSchema>;
export type Drill = z.infer<typeof DrillSchema>;
export type Report = z.infer<typeof ReportSchema>;
