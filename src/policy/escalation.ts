// People escalation: who is brought in as an incident ages (on-call, then lead, then
// manager), and for how long (the plan's escalationScope). Pure: the incident's opening
// time and `now` are arguments.
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

/** The parts of a run, in order: deciding, rolling back (levels and their checks), monitoring after a verified rollback. */
export type RunPart = 'deciding' | 'rolling-back' | 'monitoring';

/**
 * Whether people escalation still goes on in this part of the run. Plans recorded before
 * the scope existed have none: they escalate until the rollback ends, as they always did.
 */
export function escalationGoesOn(plan: Plan, part: RunPart): boolean {
  const scope = plan.authority.escalationScope;
  if (part === 'deciding') return true;
  if (scope === 'decision') return false;
  return part === 'rolling-back' || scope === 'run';
}
