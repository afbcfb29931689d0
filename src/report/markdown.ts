// The report as Markdown that reads like the runbooks' own incident reports (seed 001's
// Lessons Learned template and Rollback Metrics, seed 004 §4.3, seed 003 §5), filled in.
import { OUTCOME_TEXT } from '../workflows/messages';
import { TO_FILL } from './format';
import type { Fill, IncidentReport, ReportObjective, ReportObjectiveScore, ReportScore, ReportSection, ReportSnapshot } from './types';

const fillText = (f: Fill, blank = TO_FILL): string => (f.toFill || f.value === undefined ? blank : f.value);

/** Escapes text for a table cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A fenced block whose fence cannot be closed by the content itself. */
function fenced(text: string, info = ''): string[] {
  let fence = '```';
  while (text.includes(fence)) fence += '`';
  return [fence + info, text.replace(/\s+$/, ''), fence];
}

function scoreRow(s: ReportScore, name = cell(s.appliesTo ? `${s.name} (${s.appliesTo})` : s.name)): string {
  const result = s.status === 'met' ? '✅ met' : s.status === 'missed' ? '❌ missed' : '⏳ open';
  return `| ${name} | ${s.from} → ${s.to} | ${s.target} | ${s.actual ?? '—'} | ${result} |`;
}

const STATUS_MARK = { met: '✅', missed: '❌', open: '⏳' } as const;

function objectiveCell(s: ReportObjectiveScore | undefined, withBasis: boolean): string {
  if (!s) return '—';
  const measured = `${STATUS_MARK[s.status]} ${s.actual ?? 'not measured'}`;
  return cell(withBasis || s.status === 'open' ? `${measured} (${s.basis})` : measured);
}

/** Seed 001's Recovery Time Objectives: each service the run acted on, target against measured. */
function objectiveLines(objectives: readonly ReportObjective[]): string[] {
  if (!objectives.length) return [];
  const lines = ['## Recovery Objectives', '', '| Service | Priority | RTO | Recovered in | RPO | Data given up |', '|---|---|---|---|---|---|'];
  for (const o of objectives) {
    lines.push(
      `| ${cell(o.service)} | ${o.priority ?? '—'} | ${o.rto?.target ?? '—'} | ${objectiveCell(o.rto, false)} | ${o.rpo?.target ?? '—'} | ${objectiveCell(o.rpo, true)} |`,
    );
  }
  lines.push('', 'Recovered in: detection until every check of the level passed (validated).', '');
  return lines;
}

function snapshotLines(title: string, s: ReportSnapshot | undefined): string[] {
  if (!s) return [`### ${title}`, '', '_not captured_', ''];
  const lines = [`### ${title} (${s.at})`, ''];
  if (s.commit) lines.push(`- Commit: ${s.commit.commit}${s.commit.subject ? ` — ${s.commit.subject}` : ''}`);
  if (s.metrics.length) {
    lines.push('', '| Query | Value | At |', '|---|---|---|');
    for (const m of s.metrics) lines.push(`| \`${cell(m.query)}\` | ${m.value === undefined ? 'no data' : String(m.value)} | ${m.at} |`);
  }
  if (s.logs) lines.push('', 'Logs (trimmed):', '', ...fenced(s.logs));
  lines.push('');
  return lines;
}

function timelineLines(r: IncidentReport): string[] {
  const t = r.timeline;
  const d = r.decisions[r.decisions.length - 1];
  const decision = t.decision ? `${t.decision}${d ? ` — ${d.action} by ${d.who}` : ''}` : TO_FILL;
  return [
    '## Timeline',
    '',
    `- **Detection:** ${t.detection ?? TO_FILL}`,
    `- **Decision:** ${decision}`,
    `- **Rollback Initiated:** ${t.started ?? (r.outcome ? 'no rollback started' : TO_FILL)}`,
    `- **Rollback Completed:** ${t.completed ?? (r.outcome ? 'not completed' : TO_FILL)}`,
    `- **System Stabilized:** ${t.stabilized ?? TO_FILL}`,
    '',
  ];
}

function impactLines(r: IncidentReport, title: string): string[] {
  const i = r.impact;
  return [
    `## ${title}`,
    '',
    `- **Users affected:** ${fillText(i.usersAffected)}`,
    `- **Duration of the impact:** ${fillText(i.duration)}${i.duration.basis && !i.duration.toFill ? ` (${i.duration.basis})` : ''}`,
    `- **Data loss:** ${fillText(i.dataLoss)}${i.dataLoss.basis ? ` (${i.dataLoss.basis})` : ''}`,
    `- **Revenue impact:** ${i.revenueImpact.toFill ? `$${TO_FILL}` : i.revenueImpact.value}`,
    '',
  ];
}

function resolutionLines(r: IncidentReport, title = 'Resolution'): string[] {
  return [`## ${title}`, '', ...(r.resolution.length ? r.resolution.map((l) => `- ${l}`) : [`- ${TO_FILL}`]), ''];
}

function personLines(s: ReportSection): string[] {
  const numbered = /preventive|lesson|corrective|action/.test(s.field.toLowerCase());
  const body = numbered ? [`1. ${TO_FILL}`, `2. ${TO_FILL}`] : [TO_FILL];
  return [`## ${s.title}`, '', ...(s.hint ? [`_${s.hint}._`, ''] : []), ...body, ''];
}

/** Every notification that did not arrive, and a count of those that did. */
function notificationLines(r: IncidentReport): string[] {
  if (!r.notifications.length) return [];
  const count = (status: string) => r.notifications.filter((n) => n.status === status).length;
  const counts = ['delivered', 'failed', 'pending', 'skipped'].filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  const lines = ['## Notifications', '', `${counts.join(', ')}.`, ''];
  const mark: Record<string, string> = { failed: '❌ failed', pending: '⏳ never confirmed', skipped: '➖ skipped' };
  for (const n of r.notifications.filter((x) => x.status !== 'delivered')) {
    lines.push(
      `- ${mark[n.status]}: ${n.what} → ${n.to} (queued ${n.queuedAt}${n.settledAt ? `, settled ${n.settledAt}` : ''})${n.detail ? ` — ${n.detail}` : ''}`,
    );
  }
  lines.push('');
  return lines;
}

export function renderMarkdown(r: IncidentReport): string {
  const out: string[] = [];
  const heading = r.kind === 'drill' ? 'Drill Report' : 'Incident Report';
  out.push(`# ${heading}: ${r.title}`, '');

  // Seed 004 §4.3 Summary, with seed 001's "what happened and why rollback was needed".
  const slaNote = r.scorecard.sla ? `; SLA ${r.scorecard.sla.target}: ${r.scorecard.sla.status}` : '';
  out.push(
    '## Summary',
    '',
    `- **Incident ID:** ${r.incidentId}`,
    `- **Plan:** ${r.plan} · **Service:** ${r.service} · **Environment:** ${r.environment}`,
    `- **Trigger:** ${r.trigger}`,
    `- **Severity:** ${fillText(r.severity)}`,
    `- **Time to roll back:** ${fillText(r.duration)}${r.duration.basis && !r.duration.toFill ? ` (${r.duration.basis}${slaNote})` : ''}`,
    `- **Impact:** users affected: ${fillText(r.impact.usersAffected)}`,
    `- **Outcome:** ${r.outcome ? `${r.outcome} (${OUTCOME_TEXT[r.outcome]})` : `open (stage ${r.stage})`}`,
  );
  if (r.drill) out.push(`- **Drill:** ${r.drill.name} (${r.drill.mode})`);
  out.push('');
  const summarySection = r.sections.find((s) => s.kind === 'summary');
  if (summarySection || !r.sections.length) out.push(r.summary, '');

  const hasTimeline = r.sections.some((s) => s.kind === 'timeline');
  const hasResolution = r.sections.some((s) => s.kind === 'resolution');
  if (!hasTimeline) out.push(...timelineLines(r));
  if (!hasResolution) out.push(...resolutionLines(r));
  if (r.evidence) {
    out.push('## Drill Evidence', '');
    for (const item of r.evidence) {
      out.push(`- [${item.done ? 'x' : ' '}] ${item.text}`);
      for (const line of item.evidence) out.push(`  - ${line}`);
    }
    out.push('');
  }

  for (const s of r.sections) {
    if (s.kind === 'summary') continue;
    if (s.kind === 'timeline') out.push(...timelineLines(r));
    else if (s.kind === 'impact') out.push(...impactLines(r, s.title));
    else if (s.kind === 'resolution') out.push(...resolutionLines(r, s.title));
    else out.push(...personLines(s));
  }

  // Seed 001 Rollback Metrics.
  if (r.metrics.length) {
    out.push('## Rollback Metrics', '');
    for (const m of r.metrics) {
      const value = m.toFill ? (m.id === 'revenue-impact' ? `$${TO_FILL}` : TO_FILL) : m.value;
      out.push(`- ${m.label}: ${value}${m.basis ? ` (${m.basis})` : ''}`);
    }
    out.push('');
  }

  out.push('## Decisions', '');
  if (r.decisions.length) {
    out.push('| Time | Decision | Decided by | Reason |', '|---|---|---|---|');
    for (const d of r.decisions) out.push(`| ${d.at} | ${d.action} | ${cell(d.who)} | ${cell(d.reason)} |`);
  } else out.push('_No decision recorded._');
  out.push('');

  if (r.escalations.length) {
    out.push('## Escalations', '');
    for (const e of r.escalations) out.push(`- ${e.at} (after ${e.after}): ${[...e.roles, ...e.people].join(', ')}`);
    out.push('');
  }

  out.push('## Stage Scorecard', '');
  const { sla, targets } = r.scorecard;
  if (sla || targets.length) {
    out.push('| Target | Span | Within | Actual | Result |', '|---|---|---|---|---|');
    if (sla) out.push(scoreRow(sla, sla.appliesTo ? `**SLA** (${cell(sla.appliesTo)})` : '**SLA**'));
    for (const s of targets) out.push(scoreRow(s));
    out.push('');
    if (r.scorecard.met !== undefined) out.push(r.scorecard.met ? 'Every target and the SLA were met.' : 'At least one target or the SLA was missed.', '');
  } else out.push('_The plan sets no time targets._', '');
  if (r.stages.length) {
    out.push('| Stage | Started | Ended | Duration |', '|---|---|---|---|');
    for (const s of r.stages) out.push(`| ${s.stage} | ${s.startedAt} | ${s.endedAt ?? '—'} | ${s.duration ?? '—'} |`);
    out.push('');
  }

  out.push(...objectiveLines(r.objectives));

  out.push('## Steps', '');
  if (r.levels.length)
    out.push(`Levels run: ${r.levels.map((l) => `${l.levelId} (level ${l.level}${l.name ? `, ${l.name}` : ''}) ${l.ok ? '✅' : '❌'}`).join(' → ')}`, '');
  if (!r.steps.length) out.push('_No step ran._', '');
  for (const s of r.steps) {
    const what = `${s.type}${s.name ? ` — ${s.name}` : ''}${s.service ? ` [${s.service}]` : ''}`;
    out.push(`${s.n}. **${what}** (${s.levelId || 'decision'}) — ${s.dryRun ? 'dry-run' : s.ok ? 'ok' : 'FAILED'}: ${s.summary}`);
    if (s.command) out.push(`   - Command: \`${s.command.replace(/`/g, "'")}\`${s.exitCode !== undefined ? ` → exit code ${s.exitCode}` : ''}`);
    out.push(`   - ${s.startedAt} → ${s.endedAt}`);
    if (s.output)
      out.push(
        '',
        ...fenced(s.output)
          .flatMap((l) => l.split('\n'))
          .map((l) => `   ${l}`),
        '',
      );
  }
  out.push('');

  if (r.backups?.length) {
    out.push('## Database Backups', '');
    for (const b of r.backups) out.push(`- \`${b.path}\` — ${b.size} (${b.bytes} bytes), taken ${b.at} in level ${b.levelId}`);
    out.push('');
  }

  if (r.checks.length) {
    out.push('## Verification', '');
    for (const c of r.checks) {
      const last = c.attempts[c.attempts.length - 1];
      out.push(
        `- ${c.ok ? '✅' : '❌'} ${c.check}: ${c.ok ? 'passed' : 'failed'} after ${c.attempts.length} attempt(s)${last?.status ? `, last HTTP ${last.status}` : ''}${last?.error ? ` — ${last.error}` : ''}`,
      );
    }
    out.push('');
  }

  out.push(...notificationLines(r));

  out.push('## Snapshots', '', ...snapshotLines('Before', r.snapshots.before), ...snapshotLines('After', r.snapshots.after));

  out.push('## Follow-Up Tasks', '');
  if (r.followUps.length) for (const f of r.followUps) out.push(`- [${f.done ? 'x' : ' '}] ${f.text}`);
  else out.push(`- [ ] ${TO_FILL}`);
  out.push('');

  if (r.events.length) {
    out.push('## Event Log', '');
    for (const e of r.events) out.push(`- ${e.at} ${e.event}${e.detail ? ` — ${e.detail}` : ''}`);
    out.push('');
  }
  if (r.due) out.push(`_Report due by ${r.due}._`, '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
