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
  commands: CommandsAdapterSchema.optional(),
  git: GitAdapterSchema.optional(),
  traffic: TrafficAdapterSchema.optional(),
  cache: CacheAdapterSchema.optional(),
  database: DatabaseAdapterSchema.optional(),
  metrics: MetricsAdapterSchema.optional(),
  alerts: AlertsAdapterSchema.optional(),
});

export const PlanSchema = z.strictObject({
  apiVersion: z.literal('rollback-orchestrator/v1'),
  name: Slug,
  description: z.string().optional(),
  /** The runbook this plan encodes. */
  source: z.string().optional(),
  targets: TargetsSchema,
  /** Canary phases in rollout order, when decisions depend on the phase. */
  rollout: z.strictObject({ phases: z.array(z.string().min(1)).min(1) }).optional(),
  /** Severity names, most severe first, when decisions depend on severity. */
  severities: z.array(Slug).min(1).optional(),
  triggers: z.array(TriggerSchema).min(1),
  /** The plan evaluates its metric and health triggers itself (src/workflows/watch.ts). */
  watch: WatchSchema.optional(),
  decisions: z.array(DecisionTableSchema).min(1),
  authority: AuthoritySchema,
  levels: z.array(LevelSchema).min(1),
  checks: z.record(z.string(), CheckSchema).default({}),
  verification: VerificationSchema.default({ settle: '0s', recheckAfter: '0s', rechecks: 0, stabilization: '0s' }),
  defaults: z
    .strictObject({
      stepTimeout: Duration.default('1m'),
      /** How long people have to take up a question the plan does not time itself (a forward fix). */
      askWindow: Duration.default('15m'),
    })
    .default({ stepTimeout: '1m', askWindow: '15m' }),
  timing: TimingSchema.optional(),
  monitoring: MonitoringSchema.optional(),
  notifications: NotificationsSchema.default({ templates: {}, announce: [], delivery: DEFAULT_DELIVERY }),
  freeze: FreezeSchema.optional(),
  drills: z.array(DrillSchema).default([]),
  report: ReportSchema.optional(),
  /** Documentation only: the runbook's pre/during/post checklists, for people. */
  checklists: ChecklistsSchema.optional(),
  /** State recorded before the first action and after verification (seed 004 §1.3). */
  capture: CaptureSchema.optional(),
  adapters: AdaptersSchema.default({ flags: { type: 'file' } }),
});

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
