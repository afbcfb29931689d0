// What a plan rolls back: services with their dependencies (dependencies roll back
// first), last-known-good references and recovery objectives, and the environments.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const ServiceSchema = z.strictObject({
  name: Slug.meta({ description: 'Service name; alerts name it in their `service` label.', examples: ['lens-search'], seed: '002' }),
  dependsOn: z
    .array(Slug)
    .default([])
    .meta({ description: 'Services this one needs; they are rolled back (and stabilise) before it.', examples: [['auth', 'partner-registry']], seed: '003' }),
  lastKnownGood: z
    .strictObject({
      ref: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'Git ref (tag, branch, commit) of the version to go back to; give it or `tag`.', examples: ['auth-2025.10.1'], seed: '003' }),
      tag: z
        .string()
        .regex(/^[A-Za-z0-9._*?[\]\/-]+$/, 'a tag pattern: letters, digits, ".", "_", "-", "/" and the wildcards * ? [ ]')
        .refine((t) => !t.startsWith('-'), 'a tag pattern may not start with "-"')
        .optional()
        .meta({
          description:
            "A tag pattern instead of `ref`: resolved when the run first needs it to the newest matching tag in `adapters.git` (the highest in git's version order), and recorded in the incident (seed 001 line 53, `git tag -l | grep stable`).",
          examples: ['release-*-stable'],
          seed: '001',
        }),
      image: z
        .string()
        .optional()
        .meta({ description: 'Container image of that version.', examples: ['registry.example.com/monetization/auth:2025.10.1'], seed: '003' }),
    })
    .refine((g) => (g.ref === undefined) !== (g.tag === undefined), { message: 'give either "ref" or "tag"', path: ['ref'] })
    .optional()
    .meta({ description: 'The version a rollback goes back to ("last-known-good" in steps).' }),
  rto: Duration.optional().meta({
    description: 'Recovery time objective: the report scores detection → restored (validated) against it.',
    examples: ['15m'],
    seed: '001',
  }),
  rpo: Duration.optional().meta({
    description: 'Recovery point objective: the report scores the data a run gave up against it (after a restore, what was written since its backup).',
    examples: ['5m'],
    seed: '001',
  }),
  priority: z
    .enum(['critical', 'high', 'medium', 'low'])
    .optional()
    .meta({
      description: "Shown beside the service's objectives in the report. Documentation only otherwise: rollback order follows `dependsOn`.",
      examples: ['critical'],
      seed: '001',
    }),
  checks: z
    .array(z.string())
    .default([])
    .meta({ description: 'Checks that say the service is stable after its wave.', examples: [['login-flow']], seed: '003' }),
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
    .meta({
      description: 'Run once per service with `{service}`, `{ref}` and `{image}` filled in; exit 0 means the target exists.',
      examples: ['tools/confirm_rollback_images.sh {image}'],
      seed: '003',
    })
    .superRefine((command, ctx) => {
      // `${VAR}` is the shell's and `ref^{commit}` git's: neither is a placeholder.
      for (const [, name] of command.matchAll(CONFIRM_PLACEHOLDER_PATTERN)) {
        if (!(CONFIRM_PLACEHOLDERS as readonly string[]).includes(name)) {
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}; use one of: ${CONFIRM_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
        }
      }
    }),
  timeout: Duration.default('1m').meta({ description: 'How long each run of the command may take.', examples: ['30s'], seed: '004' }),
});

export const TargetsSchema = z.strictObject({
  environment: z
    .string()
    .default('production')
    .meta({ description: 'Where an alert-started run acts.', examples: ['production'] }),
  environments: z
    .array(z.string().min(1))
    .default(['production'])
    .meta({ description: 'Every environment the plan may run in (drills use staging).', examples: [['production', 'staging']], seed: '002' }),
  services: z.array(ServiceSchema).min(1).meta({ description: 'The services the plan rolls back.' }),
  confirm: ConfirmSchema.optional().meta({
    description: 'How to confirm that each rollback target exists; without it, the ref is looked up in `adapters.git`.',
  }),
});

export type Service = z.infer<typeof ServiceSchema>;
export type Confirm = z.infer<typeof ConfirmSchema>;
