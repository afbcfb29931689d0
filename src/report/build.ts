// The incident report as data, built from the plan and the run's record: the facts
// (facts.ts) and the words around them (narrative.ts). Pure: no I/O, no clock. What the
// record proves is filled in; what only a person knows is left blank (`toFill`), the way
// the runbooks' templates leave "[To be determined]".
import { parseDuration } from '../plan/duration';
import type { Plan } from '../plan/schema';
import type { IncidentRecord } from '../workflows/messages';
import { drillEvidence } from './evidence';
import {
  closedAt,
  databaseBackups,
  DEFAULT_METRICS,
  impactOf,
  levelsRun,
  metricValue,
  recoveryObjectives,
  reportSnapshot,
  reportStep,
  reportTimeline,
  rollbackDuration,
  runScore,
  scoreRow,
  toFill,
} from './facts';
import { between, humanDuration, whoIs } from './format';
import { METRIC_LABELS, reportSections, reportTitle, resolutionLines, summaryText } from './narrative';
import { type IncidentReport, REPORT_VERSION } from './types';

/** Builds the report; `plan` should be the plan the run started with. */
export function buildReport(plan: Plan, record: IncidentRecord): IncidentReport {
  const trigger = plan.triggers.find((t) => t.name === record.trigger);
  const timeline = reportTimeline(plan, record);
  const score = runScore(plan, record);
  const levels = levelsRun(plan, record);
  const duration = rollbackDuration(score, timeline);
  const impact = impactOf(record, timeline);
  const metricIds = plan.report ? plan.report.metrics : DEFAULT_METRICS;
  const backups = databaseBackups(record);

  const summary = summaryText(plan, record, levels);
  const resolution = resolutionLines(plan, record, levels, score);
  const closed = closedAt(record, timeline);
  const dueMs = plan.report && closed ? Date.parse(closed) + parseDuration(plan.report.due) : undefined;

  const report: IncidentReport = {
    version: REPORT_VERSION,
    kind: record.drill ? 'drill' : 'incident',
    title: reportTitle(plan, record),
    incidentId: record.incidentId,
    plan: record.plan,
    service: record.service,
    environment: record.environment,
    trigger: record.trigger,
    severity: trigger?.severity
      ? { value: trigger.severity, basis: `trigger ${record.trigger}`, toFill: false }
      : toFill(`trigger ${record.trigger} has no severity`),
    stage: record.stage,
    ...(record.outcome ? { outcome: record.outcome } : {}),
    ...(record.drill ? { drill: record.drill } : {}),
    duration,
    summary,
    timeline,
    impact,
    resolution,
    sections: reportSections(plan, summary, resolution),
    metrics: metricIds.map((id) => ({ id, label: METRIC_LABELS[id], ...metricValue(id, plan, record, impact, duration) })),
    decisions: record.decisions.map((d) => ({ at: d.at, action: d.action, by: d.by, who: whoIs(plan, d.by), reason: d.reason })),
    escalations: record.escalations.map((e) => ({ at: e.at, after: e.after, roles: e.roles, people: e.people })),
    levels,
    scorecard: {
      ...(score.sla ? { sla: scoreRow(score.sla) } : {}),
      targets: score.targets.map(scoreRow),
      ...(score.met !== undefined ? { met: score.met } : {}),
    },
    objectives: recoveryObjectives(plan, record),
    stages: record.stages.map((s) => {
      const ms = s.durationMs ?? between(s.startedAt, s.endedAt);
      return { ...s, ...(ms !== undefined ? { durationMs: ms, duration: humanDuration(ms) } : {}) };
    }),
    steps: record.steps.map((s, i) => reportStep(i + 1, s)),
    ...(backups.length ? { backups } : {}),
    checks: record.checks,
    // Records of runs queried before notifications were recorded have none.
    notifications: record.notifications ?? [],
    snapshots: {
      ...(record.snapshots?.before ? { before: reportSnapshot(record.snapshots.before)! } : {}),
      ...(record.snapshots?.after ? { after: reportSnapshot(record.snapshots.after)! } : {}),
    },
    events: record.timeline,
    followUps: [...new Set([...(plan.report?.followUps ?? []), ...(record.followUps ?? [])])].map((text) => ({ text, done: false })),
    ...(dueMs !== undefined ? { due: new Date(dueMs).toISOString() } : {}),
  };
  if (record.drill) report.evidence = drillEvidence(plan, record);
  return report;
}
