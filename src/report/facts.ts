// What happened, computed from the plan and the run's record: the timeline, the levels
// and steps that ran, the scorecard, durations, impact and recovery objectives. Facts
// only (values, times, what is left for a person); the sentences are in narrative.ts.
// Pure: no I/O, no clock.
import { parseDuration } from '../plan/duration';
import { formatByteSize } from '../plan/language/runtimeAdapters';
import type { Plan, Service, Step } from '../plan/schema';
import { findLevel } from '../policy/levels';
import { runKind, scoreRun, type Milestones, type RunScore, type TargetScore } from '../policy/timing';
import type { IncidentRecord, Snapshot, StepRecord } from '../workflows/messages';
import { between, earliest, humanDuration, latest } from './format';
import type {
  Fill,
  IncidentReport,
  ReportBackup,
  ReportMetricId,
  ReportObjective,
  ReportObjectiveScore,
  ReportScore,
  ReportSnapshot,
  ReportStep,
  ReportTimeline,
} from './types';

/** Seed 001's Rollback Metrics, for plans without a `report` section. */
export const DEFAULT_METRICS: readonly ReportMetricId[] = [
  'time-to-detection',
  'time-to-decision',
  'time-to-rollback',
  'total-downtime',
  'users-affected',
  'revenue-impact',
];

export const toFill = (basis?: string): Fill => ({ toFill: true, ...(basis ? { basis } : {}) });
const computed = (ms: number, basis: string, prefix = ''): Fill => ({ value: `${prefix}${humanDuration(ms)}`, ms, basis, toFill: false });

const isDatabaseStep = (s: StepRecord) => (s.type === 'db.restore' || s.type === 'db.migrateDown') && !s.dryRun;

function milestoneMarks(record: IncidentRecord): Milestones {
  const marks: Milestones = {};
  for (const [name, at] of Object.entries(record.milestones ?? {})) {
    const ms = at ? Date.parse(at) : NaN;
    if (!Number.isNaN(ms)) marks[name as keyof Milestones] = ms;
  }
  return marks;
}

/** The run's scorecard; records from before the workflow scored itself are scored here, the same way. */
export function runScore(plan: Plan, record: IncidentRecord): RunScore {
  return record.scorecard ?? scoreRun(plan, milestoneMarks(record), runKind(record.decision?.by, record.trigger, undefined));
}

export function scoreRow(s: TargetScore): ReportScore {
  return {
    name: s.name,
    from: s.from,
    to: s.to,
    ...(s.appliesTo ? { appliesTo: s.appliesTo } : {}),
    targetMs: s.within,
    target: humanDuration(s.within),
    ...(s.actual !== undefined ? { actualMs: s.actual, actual: humanDuration(s.actual) } : {}),
    status: s.met === undefined ? 'open' : s.met ? 'met' : 'missed',
  };
}

export function stageStart(record: IncidentRecord, stage: string): string | undefined {
  return earliest(...record.stages.filter((s) => s.stage === stage).map((s) => s.startedAt));
}

export function reportTimeline(plan: Plan, record: IncidentRecord): ReportTimeline {
  const m = record.milestones ?? {};
  const rollbackStages = ['announce', 'drain', 'roll-back'].map((s) => stageStart(record, s));
  const started = earliest(...rollbackStages) ?? record.steps.find((s) => findLevel(plan, s.levelId))?.startedAt;
  const completed = m.validated ?? m.verified ?? m['rolled-back'];
  const stabilized = m.stabilized ?? m.monitored;
  return {
    ...(m.detected ? { detection: m.detected } : {}),
    ...(m.decided ? { decision: m.decided } : {}),
    ...(started ? { started } : {}),
    ...(completed ? { completed } : {}),
    ...(stabilized ? { stabilized } : {}),
  };
}

/** When the run closed (stabilized, completed or done), for the report's due date. */
export function closedAt(record: IncidentRecord, timeline: ReportTimeline): string | undefined {
  return latest(timeline.stabilized, timeline.completed, stageStart(record, 'done'));
}

export function reportSnapshot(s: Snapshot | undefined): ReportSnapshot | undefined {
  if (!s) return undefined;
  return {
    at: s.at,
    ...(s.commit ? { commit: s.commit } : {}),
    metrics: s.metrics.map((sample) => ({ query: sample.query, at: sample.at, ...(sample.value !== undefined ? { value: sample.value } : {}) })),
    ...(s.logs ? { logs: s.logs } : {}),
  };
}

export function reportStep(n: number, s: StepRecord): ReportStep {
  return {
    n,
    level: s.level,
    levelId: s.levelId,
    type: s.type,
    ...(s.name ? { name: s.name } : {}),
    ...(s.service ? { service: s.service } : {}),
    ok: s.ok,
    summary: s.summary,
    ...(s.command ? { command: s.command } : {}),
    ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
    ...(s.output ? { output: s.output } : {}),
    ...(s.dryRun ? { dryRun: true } : {}),
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    durationMs: between(s.startedAt, s.endedAt) ?? 0,
  };
}

/** The dumps db.backup steps wrote (seed 000 line 84: a copy kept before the restore), from their records. */
export function databaseBackups(record: IncidentRecord): ReportBackup[] {
  return record.steps.flatMap((s) => {
    if (s.type !== 'db.backup' || !s.ok || s.dryRun) return [];
    const { file, bytes } = s.details ?? {};
    return typeof file === 'string' && typeof bytes === 'number' ? [{ path: file, bytes, size: formatByteSize(bytes), at: s.endedAt, levelId: s.levelId }] : [];
  });
}

/** Levels in the order the run entered them. */
export function levelsRun(plan: Plan, record: IncidentRecord): IncidentReport['levels'] {
  const order: { level: number; levelId: string }[] = [];
  for (const s of record.steps) {
    // Steps a decision runs at once (before any level) belong to no level.
    if (!s.levelId || !findLevel(plan, s.levelId)) continue;
    const last = order[order.length - 1];
    if (!last || last.levelId !== s.levelId) order.push({ level: s.level, levelId: s.levelId });
  }
  return order.map((entry, i) => {
    const steps = record.steps.filter((s) => s.levelId === entry.levelId);
    const stepsOk = steps.every((s) => s.ok || findStepSpec(plan, s)?.continueOnError === true);
    const isLast = i === order.length - 1;
    const ok = stepsOk && isLast && record.outcome === 'rolled-back';
    const name = findLevel(plan, entry.levelId)?.name;
    return { ...entry, ...(name ? { name } : {}), ok };
  });
}

/** The plan's step a record step ran: the one of that type (and name) in its level, else in the decision tables. */
function findStepSpec(plan: Plan, s: StepRecord): Step | undefined {
  const pick = (steps: readonly Step[]): Step | undefined => {
    const sameType = steps.filter((spec) => spec.type === s.type);
    const named = s.name ? sameType.find((spec) => spec.name === s.name) : undefined;
    return named ?? (sameType.length === 1 ? sameType[0] : undefined);
  };
  const level = findLevel(plan, s.levelId);
  const inLevel = level ? pick(level.steps) : undefined;
  if (inLevel) return inLevel;
  const decisionSteps = plan.decisions.flatMap((table) => table.rules.flatMap((rule) => rule.outcome.steps ?? []));
  return pick(decisionSteps);
}

/** What a service rolls back to: the plan's ref, or the tag its pattern resolved to in the run; its image when the plan names one. */
export function lastKnownGoodOf(plan: Plan, record: IncidentRecord, service: string): { ref: string; image?: string } | undefined {
  const known = plan.targets.services.find((svc) => svc.name === service)?.lastKnownGood;
  const ref = known?.ref ?? record.lastKnownGood?.find((r) => r.service === service)?.tag;
  return ref ? { ref, ...(known?.image ? { image: known.image } : {}) } : undefined;
}

/** The flag a flag step set: from the record, else from the plan's step. */
export function flagOf(plan: Plan, s: StepRecord): string | undefined {
  const fromDetails = s.details?.flag;
  if (typeof fromDetails === 'string') return fromDetails;
  const spec = findStepSpec(plan, s);
  return spec && 'flag' in spec ? spec.flag : undefined;
}

/** Rollback duration: the SLA's span (seed 004's ROLLBACK_DURATION), else decided → completed. */
export function rollbackDuration(score: RunScore, timeline: ReportTimeline): Fill {
  const sla = score.sla;
  const ms = sla?.actual ?? between(timeline.decision, timeline.completed);
  if (ms === undefined) return toFill(sla ? `${sla.from} → ${sla.to} not both reached` : 'no rollback completed');
  return computed(ms, sla ? `${sla.from} → ${sla.to}` : 'decided → completed');
}

export function impactOf(record: IncidentRecord, timeline: ReportTimeline): IncidentReport['impact'] {
  const m = record.milestones ?? {};
  const downtimeMs = between(m.detected, timeline.stabilized ?? timeline.completed);
  const duration =
    downtimeMs === undefined
      ? toFill('from the start of the problem to recovery')
      : computed(downtimeMs, `detected → ${m.stabilized ? 'stabilized' : m.monitored ? 'monitored' : 'completed'}; add the time before detection`, '≥ ');
  const databaseTouched = record.steps.some(isDatabaseStep);
  return {
    usersAffected: toFill('only a person knows'),
    duration,
    dataLoss: toFill(databaseTouched ? 'a database step ran: check what the restore discarded' : 'no database step ran'),
    revenueImpact: toFill('only a person knows'),
  };
}

/** The value of one of seed 001's Rollback Metrics. */
export function metricValue(id: ReportMetricId, plan: Plan, record: IncidentRecord, impact: IncidentReport['impact'], duration: Fill): Fill {
  const m = record.milestones ?? {};
  const span = (from: string | undefined, to: string | undefined, basis: string) => {
    const ms = between(from, to);
    return ms === undefined ? toFill(`${basis}: not both reached`) : computed(ms, basis);
  };
  switch (id) {
    case 'time-to-detection': {
      // A trigger the plan watched knows when its breach began: the first breaching sample.
      const watched = record.alerts?.find((a) => a.evidence?.since !== undefined)?.evidence;
      if (watched && m.detected) return computed(Date.parse(m.detected) - watched.since!, 'breach began (first breaching sample) → detected');
      const trigger = plan.triggers.find((t) => t.name === record.trigger);
      const window = trigger && 'condition' in trigger ? (trigger.condition as { for?: string }).for : undefined;
      return toFill(
        window
          ? `from the start of the problem to detection; the trigger fires after the condition held ${window}`
          : 'from the start of the problem to detection',
      );
    }
    case 'time-to-decision':
      return span(m.detected, m.decided, 'detected → decided');
    case 'time-to-rollback':
      return span(m.detected, m['rolled-back'], 'detected → rolled-back');
    case 'total-downtime':
      return impact.duration;
    case 'rollback-duration':
      return duration;
    case 'users-affected':
      return impact.usersAffected;
    case 'revenue-impact':
      return impact.revenueImpact;
    case 'data-loss':
      return impact.dataLoss;
  }
}

function objectiveScore(target: string, actualMs: number | undefined, basis: string): ReportObjectiveScore {
  const targetMs = parseDuration(target);
  return {
    targetMs,
    target: humanDuration(targetMs),
    ...(actualMs !== undefined ? { actualMs, actual: humanDuration(actualMs) } : {}),
    status: actualMs === undefined ? 'open' : actualMs <= targetMs ? 'met' : 'missed',
    basis,
  };
}

/** Recovery time: detection until the service was restored (every check of the level passed). */
function recoveryTime(service: Service, record: IncidentRecord): ReportObjectiveScore {
  const m = record.milestones ?? {};
  const ms = between(m.detected, m.validated);
  return objectiveScore(service.rto!, ms, ms === undefined ? 'detected → validated: not restored by this run' : 'detected → validated');
}

/**
 * Recovery point: the data this run gave up. A restore gives up what was written after its
 * backup was taken (restore start − backup time); no database step gives up nothing.
 */
function recoveryPoint(service: Service, record: IncidentRecord): ReportObjectiveScore {
  const steps = record.steps.filter((s) => s.ok && isDatabaseStep(s) && (s.service === undefined || s.service === service.name));
  if (steps.length === 0) return objectiveScore(service.rpo!, 0, 'no database step ran');
  const measured = steps.map((s) => {
    const backupAt = s.type === 'db.restore' && typeof s.details?.modifiedAt === 'string' ? s.details.modifiedAt : undefined;
    return { s, ms: between(backupAt, s.startedAt), backupAt };
  });
  const unknown = measured.find((x) => x.ms === undefined);
  if (unknown) return objectiveScore(service.rpo!, undefined, `${unknown.s.type} ran (${unknown.s.summary}): what it discarded is not recorded`);
  const worst = measured.reduce((a, b) => (b.ms! > a.ms! ? b : a));
  return objectiveScore(service.rpo!, worst.ms, `backup of ${worst.backupAt} restored at ${worst.s.startedAt}`);
}

/**
 * Each service the run acted on (the alert's service and those its steps named) against the
 * recovery objectives the plan gives it (`targets.services[].rto`, `rpo`), with its priority.
 */
export function recoveryObjectives(plan: Plan, record: IncidentRecord): ReportObjective[] {
  const involved = new Set([record.service, ...record.steps.flatMap((s) => (s.service ? [s.service] : []))]);
  return plan.targets.services
    .filter((service) => involved.has(service.name) && (service.rto !== undefined || service.rpo !== undefined))
    .map((service) => ({
      service: service.name,
      ...(service.priority ? { priority: service.priority } : {}),
      ...(service.rto !== undefined ? { rto: recoveryTime(service, record) } : {}),
      ...(service.rpo !== undefined ? { rpo: recoveryPoint(service, record) } : {}),
    }));
}
