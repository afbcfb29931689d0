// Building blocks shared by every part of the plan language.
import { z } from 'zod';
import { DURATION_PATTERN } from '../duration';
import { COMPARATORS, parseQuantity, parseRange, QUANTITY_HINT, QUANTITY_PATTERN, SAMPLE_UNITS, type QuantityKind, type SampleUnit } from '../quantity';

/** The seed runbooks (shared/seeds/NNN_*.txt), each encoded by a plan in plans/: where an example comes from. */
export type SeedId = '000' | '001' | '002' | '003' | '004';

// Every field says what it means in zod metadata (`.meta({ description, examples, seed })`):
// the JSON Schema and docs/plan-reference.md are generated from it (src/plan/reference.ts).
declare module 'zod' {
  interface GlobalMeta {
    /** The seed runbook(s) the examples come from. */
    seed?: SeedId | readonly SeedId[];
  }
}

const DURATION_HINT = 'a duration needs a number and a unit (ms, s, m, h, d), e.g. "5m"';

export const Duration = z
  .string({ error: DURATION_HINT })
  .regex(DURATION_PATTERN, DURATION_HINT)
  .meta({ id: 'Duration', title: 'duration', description: 'A number and a unit (ms, s, m, h, d).', examples: ['90s', '5m', '1.5h'] });

export const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"')
  .meta({ id: 'Name', title: 'name', description: 'Lower-case letters, digits, ".", "_" and "-", starting with a letter or digit.', examples: ['oncall'] });

/** Names of environment variables, never the secret itself. */
export const EnvVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'give the NAME of an environment variable (e.g. PAGERDUTY_ROUTING_KEY), not a secret')
  .refine((name) => !name.split('_').some(looksRandom), {
    message: 'this looks like a secret, not the name of an environment variable: put the secret in the environment and write its name',
  })
  .meta({
    id: 'EnvVarName',
    title: 'environment variable name',
    description: 'The NAME of an environment variable of the worker (upper-case letters, digits and "_"), never the secret itself.',
    examples: ['PAGERDUTY_ROUTING_KEY'],
  });

/** A long word mixing letters and digits is a key, not a variable name. */
function looksRandom(word: string): boolean {
  return word.length >= 12 && (word.match(/\d/g)?.length ?? 0) >= 3;
}

export const SlackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{6,}$/, 'a Slack user id looks like U012ABCDEF')
  .meta({ title: 'Slack user id', examples: ['U012ABCDEF'] });

export const Comparator = z.enum(COMPARATORS).meta({ title: 'comparator', description: 'How the value compares with the threshold.' });

export const SampleUnitSchema = z
  .enum(Object.keys(SAMPLE_UNITS) as [SampleUnit, ...SampleUnit[]])
  .meta({ description: 'Unit the source reports raw samples in; they are converted before comparing.', examples: ['s'], seed: '002' });

/** A number with a unit ("0.5%", "500ms") or a bare ratio (0.5184); kept as written. */
export function quantityOf(kinds?: readonly QuantityKind[]) {
  return (
    z
      .union([z.string(), z.number()], { error: `expected a quantity: ${QUANTITY_HINT}` })
      .transform((v) => String(v))
      .superRefine((text, ctx) => {
        try {
          const { kind } = parseQuantity(text);
          if (kinds && !kinds.includes(kind)) {
            ctx.addIssue({ code: 'custom', message: `"${text}" is a ${kind}; expected a ${kinds.join(' or ')}` });
          }
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      // The pattern is the one parseQuantity reads; in the JSON Schema it checks strings only.
      .meta({ title: kinds ? `quantity (${kinds.join(' or ')})` : 'quantity', pattern: QUANTITY_PATTERN.source })
  );
}

/** A band of values ("> 1%", "0.1% .. 1%"), kept as written. */
export function rangeOf(kinds?: readonly QuantityKind[]) {
  return z
    .string()
    .superRefine((text, ctx) => {
      try {
        const { kind } = parseRange(text);
        if (kinds && !kinds.includes(kind)) {
          ctx.addIssue({ code: 'custom', message: `"${text}" is a ${kind} range; expected a ${kinds.join(' or ')}` });
        }
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .meta({ title: kinds ? `range (${kinds.join(' or ')})` : 'range' });
}

/** "x" or ["x", "y"], always read as a list. */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

/** Error for an unknown discriminator value that lists the values the plan may use. */
export function unknownVariant(field: string) {
  return (issue: { code?: string; input?: unknown; options?: unknown }) =>
    issue.code === 'invalid_union' && Array.isArray(issue.options)
      ? `unknown ${field} ${JSON.stringify((issue.input as Record<string, unknown> | undefined)?.[field])}; use one of: ${issue.options.join(', ')}`
      : undefined;
}
