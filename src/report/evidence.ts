// A drill's evidence checklist (seed 003 §5), each item filled from what the run recorded
// by the source the plan names in `collect`. "manual" items stay unchecked for a person.
import type { Plan } from '../plan/schema';
import type { IncidentRecord, Snapshot } from '../workflows/messages';
import { lastKnownGoodOf } from './facts';
import { between, earliest, humanDuration, latest, whoIs } from './format';
import type { EvidenceItem } from './types';

function metricLines(label: string, s: Snapshot | undefined): string[] {
  if (!s) return [];
  return s.metrics.map((m) => `${label} ${m.at}: ${m.query} = ${m.value === undefined ? 'no data' : String(m.value)}`);
}

/** When the run started and ended; the end is absent while it is still open. */
export function runSpan(record: IncidentRecord): { start?: string; end?: string } {
  const start = earliest(record.milestones?.detected, record.stages[0]?.startedAt);
  const done = record.stages.find((s) => s.stage === 'done')?.startedAt;
  const closed = done ?? (record.outcome ? latest(...record.stages.map((s) => s.endedAt), ...Object.values(record.milestones ?? {})) : undefined);
  return { ...(start ? { start } : {}), ...(closed ? { end: closed } : {}) };
}

function collect(plan: Plan, record: IncidentRecord, source: string): { done: boolean; evidence: string[] } {
  switch (source) {
    case 'timestamps': {
      const { start, end } = runSpan(record);
      const lines = [start ? `Started ${start}` : 'No start time recorded', end ? `Ended ${end}` : 'Not ended yet'];
      const ms = between(start, end);
      if (ms !== undefined) lines.push(`Took ${humanDuration(ms)}`);
      for (const t of [record.scorecard?.sla, ...(record.scorecard?.targets ?? [])]) {
        if (t?.actual !== undefined) lines.push(`${t.name}: ${humanDuration(t.actual)} (target ${humanDuration(t.within)}, ${t.met ? 'met' : 'missed'})`);
      }
      return { done: Boolean(start && end), evidence: lines };
    }
    case 'trigger-snapshots': {
      const lines = [...metricLines('before', record.snapshots?.before), ...metricLines('after', record.snapshots?.after)];
      const withData = [record.snapshots?.before, record.snapshots?.after].some((s) => s?.metrics.some((m) => m.value !== undefined));
      return { done: withData, evidence: lines.length ? lines : ['No metric snapshot recorded'] };
    }
    case 'commands': {
      const ran = record.steps.filter((s) => s.command);
      const lines = ran.map(
        (s) =>
          `\`${s.command}\`${s.service ? ` [${s.service}]` : ''} → ${s.dryRun ? 'dry-run, not executed' : s.exitCode !== undefined ? `exit ${s.exitCode}` : s.ok ? 'ok' : 'failed'}`,
      );
      const services = new Set(record.steps.filter((s) => s.type === 'deploy.run' || s.type === 'git.checkout').map((s) => s.service));
      const targets = plan.targets.services
        .filter((svc) => services.has(svc.name) || services.has(undefined))
        .flatMap((svc) => {
          const known = lastKnownGoodOf(plan, record, svc.name);
          return known ? [`${svc.name} → ${known.image ?? known.ref}`] : [];
        });
      if (targets.length) lines.push(`Target versions: ${targets.join(', ')}`);
      const after = record.snapshots?.after?.commit;
      if (after) lines.push(`Commit after rollback: ${after.commit}${after.subject ? ` (${after.subject})` : ''}`);
      return { done: ran.length > 0, evidence: lines.length ? lines : ['No command recorded'] };
    }
    case 'check-results': {
      const lines = record.checks.map((c) => {
        const last = c.attempts[c.attempts.length - 1];
        return `${c.check}: ${c.ok ? 'passed' : 'FAILED'} after ${c.attempts.length} attempt${c.attempts.length === 1 ? '' : 's'}${!c.ok && last?.error ? ` (${last.error})` : ''}`;
      });
      return { done: record.checks.length > 0, evidence: lines.length ? lines : ['No check ran'] };
    }
    case 'follow-ups': {
      const all = [...new Set([...(plan.report?.followUps ?? []), ...(record.followUps ?? [])])];
      return { done: all.length > 0, evidence: all.length ? all : ['No follow-up recorded'] };
    }
    case 'decisions': {
      const lines = record.decisions.map((d) => `${d.at}: ${d.action} by ${whoIs(plan, d.by)} — ${d.reason}`);
      for (const e of record.escalations) lines.push(`${e.at}: escalated after ${e.after} to ${[...e.roles, ...e.people].join(', ')}`);
      return { done: record.decisions.length > 0, evidence: lines.length ? lines : ['No decision recorded'] };
    }
    default:
      return { done: false, evidence: ['To be confirmed by a person'] };
  }
}

/** The drill's evidence checklist; empty when the run is not a drill or the drill is unknown. */
export function drillEvidence(plan: Plan, record: IncidentRecord): EvidenceItem[] {
  if (!record.drill) return [];
  const drill = plan.drills.find((d) => d.name === record.drill!.name);
  if (!drill) return [];
  return drill.evidence.map((item) => ({ id: item.id, text: item.text, collect: item.collect, ...collect(plan, record, item.collect) }));
}
