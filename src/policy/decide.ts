// Decision-table lookup: which outcome a trigger leads to in a context. Pure.
import type { DecisionTable, Outcome, Plan } from '../plan/schema';
import { dimensionsOf, findTrigger, matchesWhen, type DecisionContext } from './context';

export type { DecisionContext } from './context';

export interface Decision {
  outcome: Outcome;
  table: DecisionTable;
  /** Index of the rule in the table, for explanations and the incident record. */
  rule: number;
}

export class NoDecisionError extends Error {
  constructor(
    readonly plan: string,
    readonly context: DecisionContext,
    readonly missing: readonly string[],
  ) {
    super(
      `plan "${plan}" has no decision for trigger "${context.trigger}"` +
        (context.phase ? ` at phase ${context.phase}` : '') +
        (missing.length > 0 ? `: the decision needs ${missing.join(', ')}` : ''),
    );
    this.name = 'NoDecisionError';
  }
}

export function tableFor(plan: Plan, trigger: string): DecisionTable | undefined {
  return plan.decisions.find((t) => t.triggers.includes(trigger));
}

/** The first rule of the trigger's table that matches the context wins. */
export function findDecision(plan: Plan, context: DecisionContext): Decision {
  const table = tableFor(plan, context.trigger);
  const trigger = findTrigger(plan, context.trigger);
  if (table) {
    const rule = table.rules.findIndex((r) => matchesWhen(r.when, context, trigger));
    if (rule >= 0) return { outcome: table.rules[rule].outcome, table, rule };
  }
  const needed = new Set(table?.rules.flatMap((r) => dimensionsOf(r.when)) ?? []);
  const missing = [...needed].filter((d) => (d === 'severity' ? (context.severity ?? trigger?.severity) : context[d]) === undefined);
  throw new NoDecisionError(plan.name, context, missing);
}

export function decide(plan: Plan, context: DecisionContext): Outcome {
  return findDecision(plan, context).outcome;
}
