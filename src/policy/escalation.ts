// People escalation: who is brought in as an incident ages (on-call, then lead, then
// manager). Pure: the incident's opening time and `now` are arguments.
import { parseDuration } from '../plan/duration';
import type { Plan } from '../plan/schema';
import { peopleInRoles } from './approvers';

export interface EscalationDue {
  /** Epoch milliseconds. */
  dueAt: number;
  roles: string[];
  people: string[];
  note?: string;
}

export function escalationSchedule(plan: Plan, openedAt: number): EscalationDue[] {
  return plan.authority.escalation
    .map((e) => ({
      dueAt: openedAt + parseDuration(e.after),
      roles: e.roles,
      people: peopleInRoles(plan, e.roles),
      ...(e.note ? { note: e.note } : {}),
    }))
    .sort((a, b) => a.dueAt - b.dueAt);
}

/** Escalations due by `now`, and the next one to come (for a timer). */
export function escalationsAt(plan: Plan, openedAt: number, now: number): { due: EscalationDue[]; next?: EscalationDue } {
  const schedule = escalationSchedule(plan, openedAt);
  const next = schedule.find((e) => e.dueAt > now);
  return { due: schedule.filter((e) => e.dueAt <= now), ...(next ? { next } : {}) };
}
