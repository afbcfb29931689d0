// The plan: one team's rollback runbook as data. Every number a runbook states
// (windows, retries, thresholds, targets) lives here, never in code.
import { z } from 'zod';
import { AlertsAdapterSchema, CacheAdapterSchema, DatabaseAdapterSchema, FlagsAdapterSchema, MetricsAdapterSchema, TrafficAdapterSchema } from './adapters';
import { AuthoritySchema } from './authority';
import { CaptureSchema } from './capture';
import { CheckSchema, VerificationSchema } from './checks';
import { Duration, Slug } from './common';
import { DecisionTableSchema } from './decisions';
import { LevelSchema } from './levels';
import { DEFAULT_DELIVERY } from '../delivery';
import { NotificationsSchema } from './notifications';
import { ChecklistsSchema, DrillSchema, FreezeSchema, MonitoringSchema, ReportSchema } from './operations';
import { CommandsAdapterSchema, GitAdapterSchema } from './runtimeAdapters';
import { TargetsSchema } from './targets';
import { TimingSchema } from './timing';
import { TriggerSchema } from './triggers';
import { WatchSchema } from './watch';

export const AdaptersSchema = z.strictObject({
  flags: FlagsAdapterSchema.default({ type: 'file' }),
  commands: CommandsAdapterSchema.optional().meta({ description: 'How the shell commands of steps and checks run.' }),
  git: GitAdapterSchema.optional().meta({ description: 'The local git repository of the deployed code.' }),
  traffic: TrafficAdapterSchema.optional(),
  cache: CacheAdapterSchema.optional(),
  database: DatabaseAdapterSchema.optional(),
  metrics: MetricsAdapterSchema.optional(),
  alerts: AlertsAdapterSchema.optional(),
});

export const PlanSchema = z
  .strictObject({
    apiVersion: z.literal('rollback-orchestrator/v1').meta({ description: 'Version of the plan language.' }),
    name: Slug.meta({ description: 'Unique name of the plan; alerts and the CLI name it.', examples: ['lens-sprint1-canary'], seed: '002' }),
    description: z
      .string()
      .optional()
      .meta({
        description: 'One line for people.',
        examples: ['Canary of hedging + TA/NRA early stopping; traffic reverts to control in under 60 s.'],
        seed: '002',
      }),
    source: z
      .string()
      .optional()
      .meta({ description: 'The runbook this plan encodes.', examples: ['seeds/002 Sprint #1: Rollback Plan & Procedures'], seed: '002' }),
    targets: TargetsSchema.meta({ description: 'What the plan rolls back: environments and services.' }),
    rollout: z
      .strictObject({
        phases: z
          .array(z.string().min(1))
          .min(1)
          .meta({ description: 'Phase names in rollout order.', examples: [['5%', '25%', '50%', '100%']], seed: '002' }),
      })
      .optional()
      .meta({ description: 'Canary phases in rollout order, when decisions depend on the phase.' }),
    severities: z
      .array(Slug)
      .min(1)
      .optional()
      .meta({
        description: 'Severity names, most severe first, when decisions depend on severity.',
        examples: [['critical', 'high', 'medium', 'low']],
        seed: '001',
      }),
    triggers: z.array(TriggerSchema).min(1).meta({ description: 'Conditions that may start a rollback.' }),
    watch: WatchSchema.optional().meta({ description: 'The plan evaluates its metric and health triggers itself (src/workflows/watch.ts).' }),
    decisions: z.array(DecisionTableSchema).min(1).meta({ description: 'Decision tables: what each trigger leads to, by context.' }),
    authority: AuthoritySchema.meta({ description: 'Who may decide, and who is brought in as the incident ages.' }),
    levels: z
      .array(LevelSchema)
      .min(1)
      .meta({ description: 'How deep a rollback goes, shallowest first; a level whose checks fail escalates to the next (or its `onFailure`).' }),
    checks: z.record(z.string(), CheckSchema).default({}).meta({ description: 'Checks by name, for levels, services, health triggers and monitoring.' }),
    verification: VerificationSchema.default({ settle: '0s', recheckAfter: '0s', rechecks: 0, stabilization: '0s' }),
    defaults: z
      .strictObject({
        stepTimeout: Duration.default('1m').meta({ description: 'How long a step may take when it does not say.', examples: ['2m'] }),
        askWindow: Duration.default('15m').meta({
          description: 'How long people have to take up a question the plan does not time itself (a forward fix).',
          examples: ['15m'],
        }),
      })
      .default({ stepTimeout: '1m', askWindow: '15m' })
      .meta({ description: 'Values for what the plan does not say elsewhere.' }),
    timing: TimingSchema.optional().meta({ description: 'Time targets each run is scored against.' }),
    monitoring: MonitoringSchema.optional().meta({ description: 'Watching the service after a rollback (and after prepare or monitor).' }),
    notifications: NotificationsSchema.default({ templates: {}, announce: [], delivery: DEFAULT_DELIVERY }).meta({
      description: 'Where announcements go and what they say.',
    }),
    freeze: FreezeSchema.optional().meta({ description: 'Deployments refused while an incident is open.' }),
    drills: z.array(DrillSchema).default([]).meta({ description: 'Drills: the plan run on purpose to prove readiness.' }),
    report: ReportSchema.optional().meta({ description: 'The incident report.' }),
    checklists: ChecklistsSchema.optional().meta({ description: "Documentation only: the runbook's pre/during/post checklists, for people." }),
    capture: CaptureSchema.optional().meta({ description: 'State recorded before the first action and after verification (seed 004 §1.3).' }),
    adapters: AdaptersSchema.default({ flags: { type: 'file' } }).meta({ description: 'Which real systems the steps and checks act on.' }),
  })
  .meta({
    title: 'rollback-orchestrator plan',
    description: "One team's rollback runbook as data: triggers, decision tables, authority, levels of steps, checks, timing, monitoring and notifications.",
  });

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
