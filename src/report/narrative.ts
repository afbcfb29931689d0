// The report's words: the summary, what was done (resolution), the sections a person fills
// in with a hint each, labels and the title. Built from the facts in facts.ts; no fact is
// computed here. Pure.
import type { Plan } from '../plan/schema';
import type { RunScore } from '../policy/timing';
import { type IncidentRecord, OUTCOME_TEXT } from '../workflows/messages';
import { flagOf, lastKnownGoodOf } from './facts';
import { dateOf, humanDuration, titleCase, whoIs } from './format';
import type { IncidentReport, ReportMetricId, ReportSection } from './types';

/** Seed 001's Lessons Learned sections with seed 004 §4.3's, for plans without `report.fields`. */
export const DEFAULT_FIELDS: readonly string[] = ['summary', 'timeline', 'impact', 'root cause', 'resolution', 'prevention', 'improvements', 'lessons learned'];

const ACTION_TEXT: Record<string, string> = {
  rollback: 'roll back',
  hold: 'hold',
  prepare: 'prepare a rollback',
  monitor: 'monitor',
  'fix-forward': 'fix forward',
};

export const METRIC_LABELS: Record<ReportMetricId, string> = {
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

export function reportTitle(plan: Plan, record: IncidentRecord): string {
  const m = record.milestones ?? {};
  const date = dateOf(m.detected ?? record.stages[0]?.startedAt ?? record.timeline[0]?.at) ?? 'undated';
  return record.drill ? `${date} - drill "${record.drill.name}" of ${plan.name} (${record.environment})` : `${date} - ${record.trigger} on ${record.service}`;
}

/** What the plan's own watching saw when it fired: since, held for, worst value, samples read. */
function watchedText(record: IncidentRecord): string {
  const evidence = record.alerts?.find((a) => a.evidence)?.evidence;
  if (!evidence) return '';
  const e = evidence.evidence;
  const seen = [
    evidence.since === undefined ? '' : `since ${new Date(evidence.since).toISOString()}`,
    evidence.heldFor === undefined ? '' : `held for ${humanDuration(evidence.heldFor)}`,
    e ? `worst ${e.worst}, latest ${e.last} (limit ${e.op} ${e.limit})` : '',
    evidence.samples === undefined ? '' : `${evidence.samples} samples`,
  ].filter(Boolean);
  return `Seen by the plan's watching: ${evidence.reason}${seen.length ? ` — ${seen.join(', ')}` : ''}.`;
}

export function summaryText(plan: Plan, record: IncidentRecord, levels: IncidentReport['levels']): string {
  const trigger = plan.triggers.find((t) => t.name === record.trigger);
  const lastDecision = record.decision ?? record.decisions[record.decisions.length - 1];
  return [
    `${record.trigger} on ${record.service} in ${record.environment}${trigger?.description ? ` (${trigger.description})` : ''}.`,
    watchedText(record),
    lastDecision
      ? `Decision: ${ACTION_TEXT[lastDecision.action] ?? lastDecision.action}, by ${whoIs(plan, lastDecision.by)} — ${lastDecision.reason}.`
      : 'No decision yet.',
    levels.length ? `Levels run: ${levels.map((l) => l.levelId).join(' → ')}.` : '',
    record.outcome ? `Outcome: ${OUTCOME_TEXT[record.outcome]}.` : `Still open (stage ${record.stage}).`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** What was done, one line each: no rollback and why, escalations, commits, flags, deploys, and whether SLOs came back. */
export function resolutionLines(plan: Plan, record: IncidentRecord, levels: IncidentReport['levels'], score: RunScore): string[] {
  const lines: string[] = [];
  const decision = record.decision ?? record.decisions[record.decisions.length - 1];
  if (decision && decision.action !== 'rollback') {
    lines.push(`No rollback: ${whoIs(plan, decision.by)} decided to ${ACTION_TEXT[decision.action] ?? decision.action} — ${decision.reason}`);
  }
  // Decided to roll back, yet held: a step's own approval stopped it (the last decision).
  const stepHold = record.decisions[record.decisions.length - 1];
  if (decision?.action === 'rollback' && (record.outcome === 'held' || record.outcome === 'rejected') && stepHold?.action === 'hold') {
    lines.push(`Rollback stopped at a step approval: ${whoIs(plan, stepHold.by)} held ${stepHold.reason} — no step after it ran`);
  }
  if (levels.length > 1) {
    const describe = (l: IncidentReport['levels'][number]) => `${l.levelId}${l.name ? ` (${l.name})` : ''}`;
    for (let i = 1; i < levels.length; i++) {
      lines.push(`Escalated from level ${describe(levels[i - 1])} to ${describe(levels[i])} after ${levels[i - 1].levelId} did not restore service`);
    }
  }
  for (const r of record.lastKnownGood ?? []) {
    lines.push(
      `Last known good of ${r.service}: ${r.tag ? `${r.tag} (${r.commit?.slice(0, 12)}), the newest tag matching ${r.pattern}` : `no tag matches ${r.pattern}`}`,
    );
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
  for (const s of record.steps.filter((x) => x.type === 'flag.rollout' && x.ok)) lines.push(`Feature flag: ${s.summary}`);
  for (const s of record.steps.filter(
    (x) => (x.type === 'deploy.run' || x.type === 'config.revert' || x.type === 'db.restore' || x.type === 'db.migrateDown') && x.ok,
  )) {
    const target = s.service ? lastKnownGoodOf(plan, record, s.service) : undefined;
    const to = target ? ` to ${target.ref}${target.image ? ` (${target.image})` : ''}` : '';
    lines.push(s.type === 'deploy.run' && s.service ? `Rolled back ${s.service}${to}${s.dryRun ? ' — dry-run' : ''}` : `${s.type}: ${s.summary}`);
  }
  const failedChecks = record.checks.filter((c) => !c.ok).map((c) => c.check);
  const sla = score.sla;
  if (record.outcome === 'rolled-back') {
    if (sla?.met === true) lines.push(`All SLOs restored within the ${humanDuration(sla.within)} SLA (${humanDuration(sla.actual!)}, ${sla.from} → ${sla.to})`);
    else if (sla?.met === false)
      lines.push(`SLOs restored in ${humanDuration(sla.actual!)}, outside the ${humanDuration(sla.within)} SLA (${sla.from} → ${sla.to})`);
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

/** The plan's `report.fields` (else seed 001's) as sections: the engine writes some, a person the rest. */
export function reportSections(plan: Plan, summary: string, resolution: string[]): ReportSection[] {
  const fields = plan.report?.fields.length ? plan.report.fields : DEFAULT_FIELDS;
  return fields.map((field) => {
    const kind = sectionKind(field);
    const title = titleCase(field);
    if (kind === 'person') {
      const hint = PERSON_HINTS.find(([re]) => re.test(field.toLowerCase()))?.[1];
      return { field, title, kind, ...(hint ? { hint } : {}), lines: [], toFill: true };
    }
    if (kind === 'summary') return { field, title, kind, lines: [summary], toFill: false };
    if (kind === 'resolution') return { field, title, kind, lines: resolution, toFill: resolution.length === 0 };
    if (kind === 'impact') return { field, title, kind, lines: [], toFill: true };
    return { field, title, kind, lines: [], toFill: false };
  });
}
