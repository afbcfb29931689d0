// Message templates: every `{{field}}` is one the engine fills from the run, and the run
// can fill it — nothing reaches Slack or PagerDuty with its braces still in it.
import { TEMPLATE_FIELDS, type Plan } from '../plan/schema';
import { levelId } from '../policy/levels';
import type { IssueList } from './issues';

/** Fields estimated from the target of the level in hand, or from the SLA (seed 001 lines 118, 126). */
const ESTIMATED = ['eta', 'timeframe'];

export function checkTemplates(plan: Plan, issues: IssueList): void {
  const untimed = plan.timing?.sla ? [] : plan.levels.filter((l) => !l.target).map(levelId);
  for (const [name, text] of Object.entries(plan.notifications.templates)) {
    const fields = [...text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map(([, field]) => field);
    for (const field of fields) {
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(field)) {
        issues.add(['notifications', 'templates', name], `unknown placeholder {{${field}}}; use one of: ${TEMPLATE_FIELDS.join(', ')}`);
      }
    }
    if (fields.includes('sla') && !plan.timing?.sla)
      issues.add(['notifications', 'templates', name], "{{sla}} is the plan's timing.sla, and the plan has none");
    const estimated = [...new Set(fields.filter((f) => ESTIMATED.includes(f)))];
    if (estimated.length > 0 && untimed.length > 0) {
      issues.add(
        ['notifications', 'templates', name],
        `${estimated.map((f) => `{{${f}}}`).join(' and ')} ${estimated.length > 1 ? 'are' : 'is'} estimated from the target of the level being rolled back, or timing.sla: ` +
          `give level ${untimed.join(', ')} a target, or give the plan timing.sla`,
      );
    }
  }
}
