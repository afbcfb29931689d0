// People and roles, as the plan's authority maps them: who holds a set of roles, and which
// roles a person holds. Every place that asks, pages, checks a vote or names a person reads
// these two. Pure.
import type { Plan } from '../plan/schema';

/** Everyone in any of the roles, each once, in the plan's order. */
export function peopleInRoles(plan: Plan, roles: readonly string[]): string[] {
  const people = roles.flatMap((role) => plan.authority.roles[role]?.members ?? []);
  return [...new Set(people)];
}

/** The roles (of `among`, else of the whole plan) that name this person. */
export function rolesHeldBy(plan: Plan, person: string, among: readonly string[] = Object.keys(plan.authority.roles)): string[] {
  return among.filter((role) => plan.authority.roles[role]?.members.includes(person));
}
