// The plan language. A plan is one team's rollback runbook as data; every number a
// runbook states (windows, retries, thresholds, targets) lives here, never in code.
import { z } from 'zod';
import { DURATION_PATTERN } from './duration';

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration needs a number and a unit (ms, s, m, h, d), e.g. "5m"');

const Slug = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');

/** Names of environment variables, never the secret itself. */
export const EnvVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'give the NAME of an environment variable (e.g. PAGERDUTY_ROUTING_KEY), not a secret');

export const ServiceSchema = z.object({
  name: Slug,
  dependsOn: z.array(Slug).default([]),
  lastKnownGood: z.object({ ref: z.string().min(1), image: z.string().optional() }).optional(),
});

/** Trigger names follow alert names (Alertmanager's are usually CamelCase). */
const TriggerName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, 'start with a letter; use letters, digits, "_", ".", ":" and "-"');

export const TriggerSchema = z.object({
  name: TriggerName,
  kind: z.enum(['metric', 'health', 'manual']),
  description: z.string().optional(),
  /** Alert labels that select this trigger; by default `alertname` equals the trigger name. */
  match: z.record(z.string(), z.string()).optional(),
});

export const DecisionDefault = z.enum(['rollback', 'hold']);

export const OutcomeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('rollback'), level: z.number().int().min(1).max(5).optional() }),
  z.object({
    action: z.literal('ask'),
    window: Duration,
    default: DecisionDefault,
    approvers: z.array(Slug).min(1),
    level: z.number().int().min(1).max(5).optional(),
  }),
  z.object({ action: z.literal('prepare') }),
  z.object({ action: z.literal('monitor') }),
  z.object({ action: z.literal('fix-forward') }),
]);

export const DecisionRuleSchema = z.object({
  /** Trigger name, or "*" for any trigger. */
  trigger: z.string().min(1),
  /** Canary phase (e.g. "25%"); absent means any phase. */
  phase: z.string().optional(),
  outcome: OutcomeSchema,
});

export const RoleSchema = z.object({
  title: z.string().optional(),
  /** Slack user ids of the people who hold the role. */
  members: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user id looks like U012ABCDEF')).min(1),
});

export const AuthoritySchema = z.object({
  roles: z.record(Slug, RoleSchema),
});

export const FlagDisableStep = z.object({
  type: z.literal('flag.disable'),
  flag: z.string().min(1),
});

export const StepSchema = z.discriminatedUnion('type', [FlagDisableStep]);

export const HttpCheckSchema = z.object({
  type: z.literal('http'),
  url: z.url(),
  expectStatus: z.number().int().min(100).max(599).default(200),
  attempts: z.number().int().min(1).max(100).default(3),
  delay: Duration.default('5s'),
  timeout: Duration.default('5s'),
});

export const CheckSchema = z.discriminatedUnion('type', [HttpCheckSchema]);

export const LevelSchema = z.object({
  level: z.number().int().min(1).max(5),
  name: z.string().min(1),
  steps: z.array(StepSchema).min(1),
  /** Names of entries in `checks` that verify this level. */
  checks: z.array(z.string()).default([]),
});

export const AdaptersSchema = z.object({
  flags: z
    .object({ type: z.literal('file'), path: z.string().optional() })
    .default({ type: 'file' }),
});

export const NotificationsSchema = z.object({
  slack: z.object({ channel: z.string().min(1) }).optional(),
  pagerduty: z
    .object({
      routingKeyEnv: EnvVarName,
      severity: z.enum(['critical', 'error', 'warning', 'info']).default('critical'),
    })
    .optional(),
});

export const PlanSchema = z.object({
  apiVersion: z.literal('rollback-orchestrator/v1'),
  name: Slug,
  description: z.string().optional(),
  targets: z.object({
    environment: z.string().default('production'),
    services: z.array(ServiceSchema).min(1),
  }),
  triggers: z.array(TriggerSchema).min(1),
  decisions: z.array(DecisionRuleSchema).min(1),
  authority: AuthoritySchema,
  levels: z.array(LevelSchema).min(1),
  checks: z.record(z.string(), CheckSchema).default({}),
  adapters: AdaptersSchema.default({ flags: { type: 'file' } }),
  notifications: NotificationsSchema.default({}),
});

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
export type Outcome = z.infer<typeof OutcomeSchema>;
export type Step = z.infer<typeof StepSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type Level = z.infer<typeof LevelSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
