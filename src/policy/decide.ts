// Decision-table lookup: which outcome a trigger leads to in a context. Pure.
import type { Outcome, Plan } from '../plan/schema';

export interface DecisionContext {
  trigger: string;
  /** Canary phase, e.g. "25%"; absent when the plan has no phases. */
  phase?: string;
}

export class NoDecisionError extends Error {
  constructor(readonly plan: string, readonly context: DecisionContext) {
    super(`plan "${plan}" has no decision for trigger "${context.trigger}"${context.phase ? ` at phase ${context.phase}` : ''}`);
    this.name = 'NoDecisionError';
  }
}

/** The first rule that matches wins, so specific rules go before "*" catch-alls. */
export function decide(plan: Plan, context: DecisionContext): Outcome {
  const rule = plan.decisions.find(
    (r) =>
      (r.trigger === '*' || r.trigger === context.trigger) &&
      (r.phase === undefined || r.phase === context.phase),
  );
  if (!rule) throw new NoDecisionError(plan.name, context);
  return rule.outcome;
}
