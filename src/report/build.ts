// The incident report as data, built from the plan and the run's record. Pure: no I/O,
// no clock. What the record proves is filled in; what only a person knows is left blank
// (`toFill`), the way the runbooks' templates leave "[To be determined]".
import { parseDuration } from '../plan/duration';
import type { Plan, Step } from '../plan/schema';
import { decisionMode } from '../policy/deciders';
import { findLevel } from '../policy/levels';
import { scoreRun, type Milestones, type RunScore, type TargetScore } from '../policy/timing';
import { type IncidentRecord, OUTCOME_TEXT, type Snapshot, type StepRecord } from '../workflows/messages';
import { drillEvidence } from './evidence';
import { between, dateOf, earliest, humanDuration, latest, titleCase, whoIs } from './format';
import type {
  Fill,
  IncidentReport,
  ReportDecision,
  ReportMetric,
  ReportMetricId,
  ReportScore,
  ReportSection,
  ReportSnapshot,
  ReportStep,
  ReportTimeline,
} from './types';
import { REPORT_VERSION } from './types';

/** Seed 001's Rollback Metrics, for plans without a `report` section. */
export const DEFAULT_METRICS: readonly ReportMetricId[] = [
  'time-to-detection',
  'time-to-decision',
  'time-to-rollback',
  'total-downtime',
  'users-affected',
  'revenue-impact',
];

/** Seed 001's Lessons Learned sections with seed 004 §4.3's, for plans without `report.fields`. */
export const DEFAULT_FIELDS: readonly string[] = [
  'summary',
  'timeline',
  'impact',
  'root cause',
  'resolution',
  'prevention',
  'improvements',
  'lessons learned',
];

const ACTION_TEXT: Record<string, string> = {
  rollback: 'roll back',
  hold: 'hold',
  prepare: 'prepare a rollback',
  monitor: 'monitor',
  'fix-forward': 'fix forward',
};

const METRIC_LABELS: Record<ReportMetricId, string> = {
  'time-to-detection': 'Time to detection',
  'time-to-decision': 'Time to decision',
  'time-to-rollback': 'Time to rollback',
  'total-downtime': 'Total downtime',
  'rollback-duration': 'Rollback duration',
  'users-affected': 'Users affected',
  'revenue-impact': 'Revenue impact',
  'data-loss': 'Data loss',
};

const PERSON_HINTS: [RegExp, string][] = [
  [/root cause/, 'Technical explanation'],
  [/preventive|prevention/, 'How to prevent recurrence'],
  [/improvement/, 'Process improvements identified'],
  [/lesson/, 'What the team learned'],
  [/corrective|action/, 'Each action with an owner and a due date'],
  [/debrief|retro/, 'What the team said in the debrief'],
  [/hypothes/, 'Hypotheses and how each was tested'],
  [/recovery plan|re-?deployment|fix/, 'The fix and how it will be re-deployed'],
];

const toFill = (basis?: string): Fill => ({ toFill: true, ...(basis ? { basis } : {}) });
const computed = (ms: number, basis: string, prefix = ''): Fill => ({ value: `${prefix}${humanDuration(ms)}`, ms, basis, toFill: false });

function milestoneMarks(record: IncidentRecord): Milestones {
  const marks: Milestones = {};
  for (const [name, at] of Object.entries(record.milestones ?? {})) {
    const ms = at ? Date.parse(at) : NaN;
    if (!Number.isNaN(ms)) marks[name as keyof Milestones] = ms;
  }
  return marks;
}

function scoreRow(s: TargetScore): ReportScore {
  return {
    name: s.name,
    from: s.from,
    to: s.to,
    targetMs: s.within,
    target: humanDuration(s.within),
    ...(s.actual !== undefined ? { actualMs: s.actual, actual: humanDuration(s.actual) } : {}),
    status: s.met === undefined ? 'open' : s.met ? 'met' : 'missed',
  };
}

function stageStart(record: IncidentRecord, stage: string): string | undefined {
  return earliest(...record.stages.filter((s) => s.stage === stage).map((s) => s.startedAt));
}

function buildTimeline(plan: Plan, record: IncidentRecord): ReportTimeline {
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

function snapshot(s: Snapshot | undefined): ReportSnapshot | undefined {
  if (!s) return undefined;
  return {
    at: s.at,
    ...(s.commit ? { commit: s.commit } : {}),
    metrics: s.metrics.map((sample) => ({ query: sample.query, at: sample.at, ...(sample.value !== undefined ? { value: sample.value } : {}) })),
    ...(s.logs ? { logs: s.logs } : {}),
  };
}

function step(n: number, s: StepRecord): ReportStep {
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

/** Levels in the order the run entered them. */
function levelsRun(plan: Plan, record: IncidentRecord): IncidentReport['levels'] {
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

function flagOf(plan: Plan, s: StepRecord): string | undefined {
  const fromDetails = s.details?.flag;
  if (typeof fromDetails === 'string') return fromDetails;
  const spec = findStepSpec(plan, s);
  return spec && 'flag' in spec ? spec.flag : undefined;
}

function resolution(plan: Plan, record: IncidentRecord, levels: IncidentReport['levels'], score: RunScore): string[] {
  const lines: string[] = [];
  const decision = record.decision ?? record.decisions[record.decisions.length - 1];
  if (decision && decision.action !== 'rollback') {
    lines.push(`No rollback: ${whoIs(plan, decision.by)} decided to ${ACTION_TEXT[decision.action] ?? decision.action} — ${decision.reason}`);
  }
  if (levels.length > 1) {
    const describe = (l: IncidentReport['levels'][number]) => `${l.levelId}${l.name ? ` (${l.name})` : ''}`;
    for (let i = 1; i < levels.length; i++) {
      lines.push(`Escalated from level ${describe(levels[i - 1]!)} to ${describe(levels[i]!)} after ${levels[i - 1]!.levelId} did not restore service`);
    }
  }
  const before = record.snapshots?.before?.commit;
  const after = record.snapshots?.after?.commit;
  if (before && after && before.commit !== after.commit) {
    lines.push(`Rolled back from commit ${before.commit} to ${after.commit}${after.subject ? ` (“${after.subject}”)` : ''}`);
  } else {
    for (const s of record.steps.filter((x) => x.type === 'git.checkout' && x.ok)) lines.push(`Git: ${s.summary}`);
  }
  for (const s of record.steps.filter((x) => x.type === 'flag.disable' && x.ok)) {
    const flag = flagOf(plan, s);
    lines.push(flag ? `Feature flag ${flag} set to 0 % (disabled)${s.dryRun ? ' — dry-run' : ''}` : `Feature flag: ${s.summary}`);
  }
  for (const s of record.steps.filter((x) => (x.type === 'deploy.run' || x.type === 'config.revert' || x.type === 'db.restore' || x.type === 'db.migrateDown') && x.ok)) {
    const target = s.service ? plan.targets.services.find((svc) => svc.name === s.service)?.lastKnownGood : undefined;
    const to = target ? ` to ${target.ref}${target.image ? ` (${target.image})` : ''}` : '';
    lines.push(s.type === 'deploy.run' && s.service ? `Rolled back ${s.service}${to}${s.dryRun ? ' — dry-run' : ''}` : `${s.type}: ${s.summary}`);
  }
  const failedChecks = record.checks.filter((c) => !c.ok).map((c) => c.check);
  const sla = score.sla;
  if (record.outcome === 'rolled-back') {
    if (sla?.met === true) lines.push(`All SLOs restored within the ${humanDuration(sla.within)} SLA (${humanDuration(sla.actual!)}, ${sla.from} → ${sla.to})`);
    else if (sla?.met === false) lines.push(`SLOs restored in ${humanDuration(sla.actual!)}, outside the ${humanDuration(sla.within)} SLA (${sla.from} → ${sla.to})`);
    else if (sla) lines.push(`SLOs restored; the ${humanDuration(sla.within)} SLA is not scored (milestone "${sla.from}" or "${sla.to}" not recorded)`);
    else lines.push('All checks passed after the rollback');
  } else if (record.outcome === 'rollback-unverified' || record.outcome === 'rollback-failed') {
    lines.push(`SLOs NOT restored: ${failedChecks.length ? `checks still failing: ${failedChecks.join(', ')}` : 'a rollback step failed'} — people must look`);
    if (sla?.met === false) lines.push(`The ${humanDuration(sla.within)} SLA was missed (${humanDuration(sla.actual!)})`);
  }
  return lines;
}

function sectionKind(field: string): ReportSection['kind'] {
  const f = field.toLowerCase().trim();
  if (f === 'summary') return 'summary';
  if (f.includes('timeline')) return 'timeline';
  if (f.startsWith('impact')) return 'impact';
  if (f === 'resolution') return 'resolution';
  return 'person';
}

/** Builds the report; `plan` should be the plan the run started with. */
export function buildReport(plan: Plan, record: IncidentRecord): IncidentReport {
  const m = record.milestones ?? {};
  const trigger = plan.triggers.find((t) => t.name === record.trigger);
  const timeline = buildTimeline(plan, record);
  const marks = milestoneMarks(record);
  const score: RunScore = record.scorecard ?? scoreRun(plan, marks, { mode: decisionMode(record.decision?.by), trigger: record.trigger });
  const levels = levelsRun(plan, record);

  // Rollback duration: the SLA's span (seed 004's ROLLBACK_DURATION), else decided → completed.
  const sla = score.sla;
  const durationMs = sla?.actual ?? between(timeline.decision, timeline.completed);
  const duration: Fill =
    durationMs === undefined
      ? toFill(sla ? `${sla.from} → ${sla.to} not both reached` : 'no rollback completed')
      : computed(durationMs, sla ? `${sla.from} → ${sla.to}` : 'decided → completed');

  const downtimeEnd = timeline.stabilized ?? timeline.completed;
  const downtimeMs = between(m.detected, downtimeEnd);
  const downtime: Fill =
    downtimeMs === undefined
      ? toFill('from the start of the problem to recovery')
      : computed(downtimeMs, `detected → ${m.stabilized ? 'stabilized' : m.monitored ? 'monitored' : 'completed'}; add the time before detection`, '≥ ');

  const destructive = record.steps.some((s) => (s.type === 'db.restore' || s.type === 'db.migrateDown') && !s.dryRun);
  const impact = {
    usersAffected: toFill('only a person knows'),
    duration: downtime,
    dataLoss: toFill(destructive ? 'a database step ran: check what the restore discarded' : 'no database step ran'),
    revenueImpact: toFill('only a person knows'),
  };

  const triggerWindow = trigger && 'condition' in trigger ? (trigger.condition as { for?: string }).for : undefined;
  const metricValue = (id: ReportMetricId): Fill => {
    const span = (from: string | undefined, to: string | undefined, basis: string) => {
      const ms = between(from, to);
      return ms === undefined ? toFill(`${basis}: not both reached`) : computed(ms, basis);
    };
    switch (id) {
      case 'time-to-detection':
        return toFill(triggerWindow ? `from the start of the problem to detection; the trigger fires after the condition held ${triggerWindow}` : 'from the start of the problem to detection');
      case 'time-to-decision':
        return span(m.detected, m.decided, 'detected → decided');
      case 'time-to-rollback':
        return span(m.detected, m['rolled-back'], 'detected → rolled-back');
      case 'total-downtime':
        return downtime;
      case 'rollback-duration':
        return duration;
      case 'users-affected':
        return impact.usersAffected;
      case 'revenue-impact':
        return impact.revenueImpact;
      case 'data-loss':
        return impact.dataLoss;
    }
  };
  const metricIds = plan.report ? plan.report.metrics : DEFAULT_METRICS;
  const metrics: ReportMetric[] = metricIds.map((id) => ({ id, label: METRIC_LABELS[id], ...metricValue(id) }));

  const decisions: ReportDecision[] = record.decisions.map((d) => ({ at: d.at, action: d.action, by: d.by, who: whoIs(plan, d.by), reason: d.reason }));
  const resolutionLines = resolution(plan, record, levels, score);

  const lastDecision = record.decision ?? record.decisions[record.decisions.length - 1];
  const summaryParts = [
    `${record.trigger} on ${record.service} in ${record.environment}${trigger?.description ? ` (${trigger.description})` : ''}.`,
    lastDecision ? `Decision: ${ACTION_TEXT[lastDecision.action] ?? lastDecision.action}, by ${whoIs(plan, lastDecision.by)} — ${lastDecision.reason}.` : 'No decision yet.',
    levels.length ? `Levels run: ${levels.map((l) => l.levelId).join(' → ')}.` : '',
    record.outcome ? `Outcome: ${OUTCOME_TEXT[record.outcome]}.` : `Still open (stage ${record.stage}).`,
  ];
  const summary = summaryParts.filter(Boolean).join(' ');

  const fields = plan.report?.fields.length ? plan.report.fields : DEFAULT_FIELDS;
  const sections: ReportSection[] = fields.map((field) => {
    const kind = sectionKind(field);
    const title = titleCase(field);
    if (kind === 'person') {
      const hint = PERSON_HINTS.find(([re]) => re.test(field.toLowerCase()))?.[1];
      return { field, title, kind, ...(hint ? { hint } : {}), lines: [], toFill: true };
    }
    if (kind === 'summary') return { field, title, kind, lines: [summary], toFill: false };
    if (kind === 'resolution') return { field, title, kind, lines: resolutionLines, toFill: resolutionLines.length === 0 };
    if (kind === 'impact') return { field, title, kind, lines: [], toFill: true };
    return { field, title, kind, lines: [], toFill: false };
  });

  const followUps = [...new Set([...(plan.report?.followUps ?? []), ...(record.followUps ?? [])])].map((text) => ({ text, done: false }));

  const closedAt = latest(timeline.stabilized, timeline.completed, stageStart(record, 'done'));
  const dueMs = plan.report && closedAt ? Date.parse(closedAt) + parseDuration(plan.report.due) : undefined;

  const date = dateOf(m.detected ?? record.stages[0]?.startedAt ?? record.timeline[0]?.at) ?? 'undated';
  const title = record.drill
    ? `${date} - drill "${record.drill.name}" of ${plan.name} (${record.environment})`
    : `${date} - ${record.trigger} on ${record.service}`;

  const report: IncidentReport = {
    version: REPORT_VERSION,
    kind: record.drill ? 'drill' : 'incident',
    title,
    incidentId: record.incidentId,
    plan: record.plan,
    service: record.service,
    environment: record.environment,
    trigger: record.trigger,
    severity: trigger?.severity ? { value: trigger.severity, basis: `trigger ${record.trigger}`, toFill: false } : toFill(`trigger ${record.trigger} has no severity`),
    stage: record.stage,
    ...(record.outcome ? { outcome: record.outcome } : {}),
    ...(record.drill ? { drill: record.drill } : {}),
    duration,
    summary,
    timeline,
    impact,
    resolution: resolutionLines,
    sections,
    metrics,
    decisions,
    escalations: record.escalations.map((e) => ({ at: e.at, after: e.after, roles: e.roles, people: e.people })),
    levels,
    scorecard: {
      ...(score.sla ? { sla: scoreRow(score.sla) } : {}),
      targets: score.targets.map(scoreRow),
      ...(score.met !== undefined ? { met: score.met } : {}),
    },
    stages: record.stages.map((s) => {
      const ms = s.durationMs ?? between(s.startedAt, s.endedAt);
      return { ...s, ...(ms !== undefined ? { durationMs: ms, duration: humanDuration(ms) } : {}) };
    }),
    steps: record.steps.map((s, i) => step(i + 1, s)),
    checks: record.checks,
    // Records of runs queried before notifications were recorded have none.
    notifications: record.notifications ?? [],
    snapshots: {
      ...(record.snapshots?.before ? { before: snapshot(record.snapshots.before)! } : {}),
      ...(record.snapshots?.after ? { after: snapshot(record.snapshots.after)! } : {}),
    },
    events: record.timeline,
    followUps,
    ...(dueMs !== undefined ? { due: new Date(dueMs).toISOString() } : {}),
  };
  if (record.drill) report.evidence = drillEvidence(plan, record);
  return report;
}
