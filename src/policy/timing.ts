// Scoring a run against the plan's time targets and SLA. Pure: milestones are the
// times the run reached them.
import { parseDuration } from '../plan/duration';
import type { DecisionMode, Milestone, Plan } from '../plan/schema';

export type Milestones = Partial<Record<Milestone, number>>;

export interface TargetScore {
  name: string;
  from: Milestone;
  to: Milestone;
  /** Milliseconds allowed and taken; `actual` is absent until both milestones are reached. */
  within: number;
  actual?: number;
  met?: boolean;
}

export interface RunScore {
  targets: TargetScore[];
  sla?: TargetScore;
  /** False if any target or the SLA was missed; undefined while some are open. */
  met?: boolean;
}

function score(name: string, span: { from: Milestone; to: Milestone; within: string }, marks: Milestones): TargetScore {
  const within = parseDuration(span.within);
  const start = marks[span.from];
  const end = marks[span.to];
  if (start === undefined || end === undefined) return { name, from: span.from, to: span.to, within };
  const actual = end - start;
  return { name, from: span.from, to: span.to, within, actual, met: actual <= within };
}

export interface RunKind {
  mode?: DecisionMode;
  trigger?: string;
}

function appliesTo(span: { mode?: DecisionMode; triggers?: string[] }, run: RunKind): boolean {
  return (
    (span.mode === undefined || span.mode === run.mode) && (span.triggers === undefined || (run.trigger !== undefined && span.triggers.includes(run.trigger)))
  );
}

/** Scores the targets that apply to this kind of run (how it was decided, what started it). */
export function scoreRun(plan: Plan, marks: Milestones, run: RunKind = {}): RunScore {
  const timing = plan.timing;
  if (!timing) return { targets: [] };
  const targets = timing.targets.filter((t) => appliesTo(t, run)).map((t) => score(t.name, t, marks));
  const sla = timing.sla && appliesTo(timing.sla, run) ? score('sla', timing.sla, marks) : undefined;
  const all = sla ? [...targets, sla] : targets;
  const met = all.some((s) => s.met === false) ? false : all.every((s) => s.met === true) ? true : undefined;
  return { targets, ...(sla ? { sla } : {}), ...(met !== undefined ? { met } : {}) };
}
