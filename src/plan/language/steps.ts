// Steps: one action on one target. Every typed step may carry the `command` that
// performs it in the runbook's own world (e.g. `traffic-split --treatment 0`); the
// engine runs that command when given, otherwise the adapter the plan names.
import { z } from 'zod';
import { DecisionDefault, Quorum } from './outcomeParts';
import { Duration, Slug, unknownVariant } from './common';

/** An extra approval a step needs before it runs (e.g. "always consult the DBA"). */
export const StepApprovalSchema = z.strictObject({
  approvers: z.array(Slug).min(1),
  window: Duration,
  /** "rollback" runs the step when nobody answers in time, "hold" stops the level. */
  default: DecisionDefault,
  quorum: Quorum.default('any'),
  reason: z.string().optional(),
});

const StepCommon = {
  /** What the step is for, as the runbook says it; shown in explain and the incident. */
  name: z.string().optional(),
  command: z.string().min(1).optional(),
  timeout: Duration.optional(),
  /** Keep going when the step fails (the runbook's `|| true`). */
  continueOnError: z.boolean().default(false),
  approval: StepApprovalSchema.optional(),
};

const step = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.strictObject({ type: z.literal(type), ...StepCommon, ...shape });

/** "last-known-good" means each service's `targets.services[].lastKnownGood.ref`. */
const Ref = z.string().min(1);

export const StepSchema = z
  .discriminatedUnion(
    'type',
    [
      step('flag.disable', { flag: z.string().min(1) }),
      step('flag.enable', { flag: z.string().min(1) }),
      // A gradual rollout dialled back rather than switched off: on for `percent` % of users,
      // serving `variant`; what the step leaves out stays as the flag store has it.
      step('flag.rollout', {
        flag: z.string().min(1),
        /** Share of users the flag is on for, in whole percent (0 keeps it on for nobody). */
        percent: z.number().int('a rollout is a whole percent').min(0).max(100).optional(),
        /** The variant every one of them gets (e.g. "control"). */
        variant: z.string().min(1).optional(),
      }).refine((s) => s.percent !== undefined || s.variant !== undefined, { message: 'a flag.rollout sets a percent, a variant or both' }),
      step('traffic.shift', {
        service: Slug.optional(),
        /** Pool that receives the traffic (e.g. "control", "baseline"). */
        to: z.string().min(1),
        percent: z.number().min(0).max(100).default(100),
      }),
      step('traffic.drain', {
        service: Slug.optional(),
        /** Wait for in-flight requests. */
        wait: Duration,
        /** Still more active requests than this after `wait` → ask again every second, for at most `extraWait` more. */
        maxActive: z.number().int().min(0).optional(),
        extraWait: Duration.optional(),
      }),
      step('config.revert', { service: Slug.optional(), path: z.string().min(1), ref: Ref }),
      step('git.checkout', { ref: Ref, paths: z.array(z.string().min(1)).optional() }),
      step('deploy.run', {
        /** Services to deploy, in dependency waves (dependencies first); "all" = every service. */
        services: z.union([z.literal('all'), z.array(Slug).min(1)]).default('all'),
        ref: Ref.default('last-known-good'),
      }),
      step('service.stop', { service: Slug.optional() }),
      step('service.start', { service: Slug.optional() }),
      step('service.restart', { service: Slug.optional() }),
      step('cache.flush', { cache: z.string().min(1) }),
      step('db.migrateDown', { to: z.string().min(1) }),
      step('db.restore', { backup: z.string().min(1) }),
      step('command.run', { command: z.string().min(1) }),
      step('wait', { duration: Duration }),
      step('notify.slack', { template: Slug, channel: z.string().min(1).optional() }),
      step('notify.pagerduty', { template: Slug, severity: z.enum(['critical', 'error', 'warning', 'info']).optional() }),
      step('notify.page', { roles: z.array(Slug).min(1), template: Slug.optional() }),
    ],
    { error: unknownVariant('type') },
  )
  .meta({ id: 'Step', title: 'step', description: 'One action on one target, chosen by `type`.' });

export type Step = z.infer<typeof StepSchema>;
export type StepType = Step['type'];
