// The facts a decision is made on, and how a table rule's `when` is matched against
// them. Pure: workflows, the API and the CLI all decide through here.
import { inRange, parseRange } from '../plan/quantity';
import type { Migration, Plan, Trigger, When } from '../plan/schema';

export interface DecisionContext {
  trigger: string;
  /** Canary phase, e.g. "25%"; absent when the plan has no phases. */
  phase?: string;
  /** Defaults to the trigger's own severity. */
  severity?: string;
  migration?: Migration;
  /** The trigger's current value, in base units (fraction for %, milliseconds for times). */
  value?: number;
  /** Share of users affected, 0..1. */
  impact?: number;
  /** Estimated time to a fix, milliseconds. */
  timeToFix?: number;
  /** How long the condition has held, milliseconds. */
  heldFor?: number;
}

export const NUMERIC_DIMENSIONS = ['value', 'impact', 'timeToFix', 'heldFor'] as const;
export const LISTED_DIMENSIONS = ['phase', 'severity', 'migration'] as const;
export type Dimension = (typeof NUMERIC_DIMENSIONS)[number] | (typeof LISTED_DIMENSIONS)[number];

export function findTrigger(plan: Plan, name: string): Trigger | undefined {
  return plan.triggers.find((t) => t.name === name);
}

/** Whether `when` holds; a condition on a fact the context lacks does not hold. */
export function matchesWhen(when: When, context: DecisionContext, trigger: Trigger | undefined): boolean {
  if (when.trigger && !when.trigger.includes(context.trigger)) return false;
  if (when.kind && !(trigger && when.kind.includes(trigger.kind))) return false;
  if (when.category && !(trigger?.category && when.category.includes(trigger.category))) return false;
  const severity = context.severity ?? trigger?.severity;
  const listed: Record<(typeof LISTED_DIMENSIONS)[number], string | undefined> = {
    phase: context.phase,
    severity,
    migration: context.migration,
  };
  for (const dimension of LISTED_DIMENSIONS) {
    const allowed = when[dimension] as readonly string[] | undefined;
    const actual = listed[dimension];
    if (allowed && (actual === undefined || !allowed.includes(actual))) return false;
  }
  for (const dimension of NUMERIC_DIMENSIONS) {
    const range = when[dimension];
    const actual = context[dimension];
    if (range !== undefined && (actual === undefined || !inRange(parseRange(range), actual))) return false;
  }
  return true;
}

/** Dimensions a `when` constrains, for messages ("needs severity"). */
export function dimensionsOf(when: When): Dimension[] {
  return [...LISTED_DIMENSIONS, ...NUMERIC_DIMENSIONS].filter((d) => when[d] !== undefined);
}
