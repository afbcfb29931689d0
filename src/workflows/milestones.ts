// Milestones of a run (detected, decided, announced, drained, rolled back, verified,
// validated, …): when first reached they are timestamped for the scorecard and the plan's
// announcements for them go out.
import { parseDuration } from '../plan/duration';
import type { Milestone } from '../plan/schema';
import { isPerson } from '../policy/deciders';
import { workflowNow } from './clock';
import type { IncidentState } from './incidentState';
import { fillTemplate, page, tellChannel, type Sent, whenDelivered } from './notify';

/** What the checks and the post-rollback snapshot saw, for `{{metrics}}`. */
function metricsText(state: IncidentState): string | undefined {
  const sampled = state.snapshots.after?.metrics.filter((m) => m.value !== undefined);
  if (sampled?.length) return sampled.map((m) => `${(m as { name?: string }).name ?? m.query}=${m.value}`).join(', ');
  const latest = new Map<string, string>();
  for (const c of state.checks) if (state.input.plan.checks[c.check]?.type === 'metric' && c.detail) latest.set(c.check, c.detail);
  return latest.size ? [...latest.values()].join('; ') : undefined;
}

/** Seed 001 line 116 "Impact: [User impact]": the share of users the alert or person reported. */
function impactText(state: IncidentState): string {
  const impact = state.input.context?.impact;
  return impact === undefined ? 'not assessed yet' : `${Math.round(impact * 1000) / 10}% of users`;
}

/**
 * When the rollback should be done (seed 001 line 118 "ETA: [Estimated completion]"): the
 * target of the level in hand from its start (from now while it is only decided), else the
 * SLA's deadline. Validation makes sure a plan whose templates ask has one or the other.
 */
function expectedEnd(state: IncidentState): number | undefined {
  const now = Date.parse(workflowNow());
  const inHand = state.levelInHand;
  if (inHand?.level.target) return (inHand.startedAt ? Date.parse(inHand.startedAt) : now) + parseDuration(inHand.level.target);
  const sla = state.input.plan.timing?.sla;
  if (!sla) return undefined;
  const from = state.milestones[sla.from];
  return (from ? Date.parse(from) : now) + parseDuration(sla.within);
}

/** Seed 001 line 126 "resume within [timeframe]": what is left until the expected end, rounded up. */
function timeframeText(leftMs: number): string {
  if (leftMs <= 0) return 'moments';
  return leftMs >= 60_000 ? `${Math.ceil(leftMs / 60_000)}m` : `${Math.ceil(leftMs / 1000)}s`;
}

const NOT_ESTIMATED = 'not estimated before a level is decided';

/** What a message says for a field the run does not know (yet), rather than the field's braces. */
const NOT_KNOWN: Record<string, string> = {
  duration: 'not started',
  threshold: 'no threshold',
  metrics: 'none sampled',
  version: 'not captured',
  level: 'not decided yet',
  lead: 'no person',
  sla: 'no SLA',
  value: 'not reported',
};

/** Every template field with the run's value; validation refuses a field the plan could never fill. */
export function templateValues(state: IncidentState): Record<string, string> {
  const values = knownValues(state);
  return Object.fromEntries(Object.entries(values).map(([field, value]) => [field, value ?? NOT_KNOWN[field]]));
}

function knownValues(state: IncidentState): Record<string, string | undefined> {
  const { plan, incidentId, trigger, alert } = state.input;
  const sla = plan.timing?.sla?.within;
  // The rollback's duration so far: from the SLA's start (seed 004: ROLLBACK_START at the announcement) or detection.
  const since = state.milestones[plan.timing?.sla?.from ?? 'detected'] ?? state.milestones.detected;
  const fired = plan.triggers.find((t) => t.name === trigger);
  const threshold = fired?.kind === 'metric' ? fired.condition.threshold : undefined;
  const commit = (state.snapshots.after ?? state.snapshots.before)?.commit?.commit;
  const end = expectedEnd(state);
  const level = state.levelInHand?.level.level ?? state.level;
  return {
    duration: since ? `${Math.round((Date.parse(workflowNow()) - Date.parse(since)) / 1000)}s` : undefined,
    status: state.outcome ?? (state.milestones.validated ? 'verified, SLOs validated' : state.stage),
    threshold: threshold === undefined ? undefined : String(threshold),
    metrics: metricsText(state),
    version: state.snapshots.after?.commit ? commit?.slice(0, 7) : undefined,
    plan: plan.name,
    incident: incidentId,
    trigger,
    reason: state.decision ? `${trigger}: ${state.decision.reason}` : trigger,
    environment: state.environment,
    services: plan.targets.services.map((s) => s.name).join(', '),
    level: level === undefined ? undefined : String(level),
    impact: impactText(state),
    eta: end === undefined ? NOT_ESTIMATED : new Date(end).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    timeframe: end === undefined ? NOT_ESTIMATED : timeframeText(end - Date.parse(workflowNow())),
    lead: state.decision && isPerson(state.decision.by) ? `<@${state.decision.by}>` : undefined,
    time: workflowNow(),
    sla,
    value: alert.value,
  };
}

/** Milestones whose announcements tell stakeholders how the rollback went (seed 002 "Communication"). */
const AFTER_ROLLBACK: readonly Milestone[] = ['rolled-back', 'verified', 'validated', 'stabilized', 'monitored', 'reported'];

export async function reach(state: IncidentState, milestone: Milestone): Promise<void> {
  if (state.milestones[milestone]) return;
  state.reach(milestone);
  const { notifications } = state.input.plan;
  const sent: Sent[] = [];
  for (const announcement of notifications.announce.filter((a) => a.at === milestone)) {
    const text = fillTemplate(notifications.templates[announcement.template] ?? announcement.template, templateValues(state));
    if (announcement.to === 'pagerduty') sent.push(await page(state, 'trigger', text));
    else
      sent.push(
        await tellChannel(
          state,
          `Announce ${announcement.template}`,
          text,
          announcement.to === 'slack' ? undefined : notifications.slack?.channels[announcement.to],
        ),
      );
  }
  // Stakeholders were told once one announcement arrives (beside the run for new runs).
  if (AFTER_ROLLBACK.includes(milestone)) await whenDelivered(state, sent, () => reach(state, 'notified'));
}
