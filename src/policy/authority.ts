// Who may decide: the first `authority.decide` rule matching the context (an ask within it
// names its own approvers and quorum), or else the roles an `ask` outcome names; and
// whether the votes cast so far settle the question.
import type { DecideRule, Outcome, Plan, Quorum } from '../plan/schema';
import { findTrigger, matchesWhen, type DecisionContext } from './context';
import { peopleInRoles, rolesHeldBy } from './approvers';

export interface DecisionAuthority {
  /** The system decides alone; nobody may approve or reject. */
  system: boolean;
  roles: string[];
  quorum: Quorum;
  /** Index of the `authority.decide` rule, absent when taken from the outcome. */
  rule?: number;
}

type Ask = Extract<Outcome, { action: 'ask' }>;

/** How an ask goes beyond the `authority.decide` rule that matches it; undefined when it stays within. */
export type BeyondRule = { system: true } | { outsiders: string[] } | { quorum: true };

/**
 * An ask may name fewer roles than its rule, or a stricter quorum; never anyone the rule
 * leaves out, and never fewer voices than a rule with quorum "all" needs (all its roles).
 */
export function beyondRule(rule: DecideRule, ask: Ask): BeyondRule | undefined {
  if (rule.system) return { system: true };
  const outsiders = ask.approvers.filter((r) => !rule.roles.includes(r));
  if (outsiders.length > 0) return { outsiders };
  if (rule.quorum === 'all' && (ask.quorum !== 'all' || rule.roles.some((r) => !ask.approvers.includes(r)))) return { quorum: true };
  return undefined;
}

/**
 * Who decides in this context: the first matching `authority.decide` rule, narrowed to an
 * ask's own approvers and quorum when the ask stays within it (the ask need not repeat
 * itself as a rule); the ask alone when no rule matches.
 */
export function authorityFor(plan: Plan, context: DecisionContext, ask?: Ask): DecisionAuthority | undefined {
  const trigger = findTrigger(plan, context.trigger);
  const rule = plan.authority.decide.findIndex((r) => matchesWhen(r.when, context, trigger));
  if (rule >= 0) {
    const decideRule = plan.authority.decide[rule];
    if (ask && !beyondRule(decideRule, ask)) return { system: false, roles: ask.approvers, quorum: ask.quorum, rule };
    const { system, roles, quorum } = decideRule;
    return { system, roles, quorum, rule };
  }
  return ask ? { system: false, roles: ask.approvers, quorum: ask.quorum } : undefined;
}

export interface Permission {
  allowed: boolean;
  /** The person's roles that give them the say. */
  roles: string[];
  reason: string;
}

export function mayDecide(plan: Plan, context: DecisionContext, person: string, ask?: Ask): Permission {
  const authority = authorityFor(plan, context, ask);
  if (!authority) return { allowed: false, roles: [], reason: `nobody is given authority over ${context.trigger}` };
  if (authority.system) return { allowed: false, roles: [], reason: `${context.trigger} is decided by the system alone` };
  const roles = rolesHeldBy(plan, person, authority.roles);
  return roles.length > 0
    ? { allowed: true, roles, reason: `${person} holds ${roles.join(', ')}` }
    : { allowed: false, roles: [], reason: `only ${authority.roles.join(', ')} may decide ${context.trigger}` };
}

export interface Vote {
  person: string;
  choice: 'rollback' | 'hold';
}

/**
 * The decision the votes reach, or undefined while it is still open. Votes by people
 * without authority are ignored. "any": the first valid vote decides. "all": one hold
 * decides hold; rollback needs a rollback vote from a member of every role.
 */
export function tally(plan: Plan, authority: DecisionAuthority, votes: readonly Vote[]): 'rollback' | 'hold' | undefined {
  if (authority.system) return undefined;
  const valid = votes.filter((v) => peopleInRoles(plan, authority.roles).includes(v.person));
  if (authority.quorum === 'any') return valid[0]?.choice;
  if (valid.some((v) => v.choice === 'hold')) return 'hold';
  const agreed = authority.roles.every((role) => valid.some((v) => v.choice === 'rollback' && rolesHeldBy(plan, v.person, [role]).length > 0));
  return agreed ? 'rollback' : undefined;
}
