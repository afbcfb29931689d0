// What a plan rolls back: services with their dependencies (dependencies roll back
// first), last-known-good references and recovery objectives, and the environments.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const ServiceSchema = z.strictObject({
  name: Slug,
  /** Services this one needs; they are rolled back (and stabilise) before it. */
  dependsOn: z.array(Slug).default([]),
  lastKnownGood: z.strictObject({ ref: z.string().min(1), image: z.string().optional() }).optional(),
  /** Recovery time objective: the report scores detection → restored (validated) against it. */
  rto: Duration.optional(),
  /** Recovery point objective: the report scores the data a run gave up against it (after a restore, what was written since its backup). */
  rpo: Duration.optional(),
  /** Shown beside the service's objectives in the report. Documentation only otherwise: rollback order follows `dependsOn`. */
  priority: z.enum(['critical', 'high', 'medium', 'low']).optional(),
  /** Checks that say the service is stable after its wave. */
  checks: z.array(z.string()).default([]),
});

/** Placeholders a confirm command may use; each is replaced by the (shell-safe) value. */
export const CONFIRM_PLACEHOLDERS = ['service', 'ref', 'image'] as const;
/** `{name}` not preceded by `$` or `^`. */
export const CONFIRM_PLACEHOLDER_PATTERN = /(?<![$^])\{([a-z][a-z0-9_-]*)\}/g;

/**
 * Seed 003 §4.2 "confirm image availability before rollback": a command run once per
 * service with `{service}`, `{ref}` and `{image}` filled in; exit 0 means the target exists.
 */
export const ConfirmSchema = z.strictObject({
  command: z
    .string()
    .min(1)
    .superRefine((command, ctx) => {
      // `${VAR}` is the shell's and `ref^{commit}` git's: neither is a placeholder.
      for (const [, name] of command.matchAll(CONFIRM_PLACEHOLDER_PATTERN)) {
        if (!(CONFIRM_PLACEHOLDERS as readonly string[]).includes(name)) {
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}; use one of: ${CONFIRM_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
        }
      }
    }),
  timeout: Duration.default('1m'),
});

export const TargetsSchema = z.strictObject({
  /** Where an alert-started run acts. */
  environment: z.string().default('production'),
  /** Every environment the plan may run in (drills use staging). */
  environments: z.array(z.string().min(1)).default(['production']),
  services: z.array(ServiceSchema).min(1),
  /** How to confirm that each rollback target exists; without it, the ref is looked up in `adapters.git`. */
  confirm: ConfirmSchema.optional(),
});

export type Service = z.infer<typeof ServiceSchema>;
export type Confirm = z.infer<typeof ConfirmSchema>;
