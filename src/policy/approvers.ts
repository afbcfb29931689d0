// Who the plan's authority names for a set of roles. Pure.
import type { Plan } from '../plan/schema';

export function peopleInRoles(plan: Plan, roles: readonly string[]): string[] {
  const people = roles.flatMap((role) => plan.authority.roles[role]?.members ?? []);
  return [...new Set(people)];
}
