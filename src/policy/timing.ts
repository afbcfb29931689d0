// Scoring a run against the plan's time targets and SLA. Pure: milestones are the
// times the run reached them.
import { parseDuration } from '../plan/duration';
import type { DecisionMode, Milestone, Plan, TimeTarget, Timing } from '../plan/schema';
import { rolesHeldBy } from './approvers';
import { decisionMode } from './deciders';

export type Milestones = Partial<Record<Milestone, number>>;

export interface TargetScore {
  name: string;
  from: Milestone;
  to: Milestone;
  /** The runs the target is for, when not all ("phase 25%; decided by sprint-dri"). */
  appliesTo?: string;
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

type Span = TimeTarget | NonNullable<Timing['sla']>;

/** The span's conditions in words, for the scorecard and explain; undefined when it applies to every run. */
export function targetConditions(span: Span): string | undefined {
  const parts = [
    span.mode,
    span.triggers && `trigger ${span.triggers.join('/')}`,
    span.phases && `phase ${span.phases.join('/')}`,
    span.decidedBy && `decided by ${span.decidedBy.join('/')}`,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

function score(name: string, span: Span, marks: Milestones): TargetScore {
  const within = parseDuration(span.within);
  const when = targetConditions(span);
  const base = { name, from: span.from, to: span.to, ...(when ? { appliesTo: when } : {}), within };
  const start = marks[span.from];
  const end = marks[span.to];
  if (start === undefined || end === undefined) return base;
  const actual = end - start;
  return { ...base, actual, met: actual <= within };
}

export interface RunKind {
  mode?: DecisionMode;
  trigger?: string;
  /** Canary phase of the run, when the alert gave one. */
  phase?: string;
  /** Who decided: a person's id, "plan" or "clock". */
  by?: string;
}

/** What a run is, for its targets: how and by whom it was decided, what started it, its canary phase. */
export function runKind(by: string | undefined, trigger: string, phase: string | undefined): RunKind {
  return { mode: decisionMode(by), trigger, ...(phase === undefined ? {} : { phase }), ...(by === undefined ? {} : { by }) };
}

function appliesTo(plan: Plan, span: Span, run: RunKind): boolean {
  const listed = (allowed: readonly string[] | undefined, actual: string | undefined) =>
    allowed === undefined || (actual !== undefined && allowed.includes(actual));
  return (
    (span.mode === undefined || span.mode === run.mode) &&
    listed(span.triggers, run.trigger) &&
    listed(span.phases, run.phase) &&
    (span.decidedBy === undefined || (run.by !== undefined && rolesHeldBy(plan, run.by, span.decidedBy).length > 0))
  );
}

/** Scores the targets that apply to this kind of run (how and by whom it was decided, what started it, its phase). */
export function scoreRun(plan: Plan, marks: Milestones, run: RunKind = {}): RunScore {
  const timing = plan.timing;
  if (!timing) return { targets: [] };
  const targets = timing.targets.filter((t) => appliesTo(plan, t, run)).map((t) => score(t.name, t, marks));
  const sla = timing.sla && appliesTo(plan, timing.sla, run) ? score('sla', timing.sla, marks) : undefined;
  const all = sla ? [...targets, sla] : targets;
  const met = all.some((s) => s.met === false) ? false : all.every((s) => s.met === true) ? true : undefined;
  return { targets, ...(sla ? { sla } : {}), ...(met !== undefined ? { met } : {}) };
}
