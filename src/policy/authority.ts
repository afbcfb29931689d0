// Who may decide: the first `authority.decide` rule matching the context, or else the
// roles an `ask` outcome names; and whether the votes cast so far settle the question.
import type { Outcome, Plan, Quorum } from '../plan/schema';
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

export function authorityFor(plan: Plan, context: DecisionContext, ask?: Ask): DecisionAuthority | undefined {
  const trigger = findTrigger(plan, context.trigger);
  const rule = plan.authority.decide.findIndex((r) => matchesWhen(r.when, context, trigger));
  if (rule >= 0) {
    const { system, roles, quorum } = plan.authority.decide[rule];
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
