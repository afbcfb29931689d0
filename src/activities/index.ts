// Thin activities: each resolves the adapter the plan names and calls it. All are safe to
// retry: flag disabling is idempotent, PagerDuty de-duplicates on dedup_key, and Slack
// posts are the only non-idempotent calls (a retried post can repeat a message, never an action).
// Notifications go through one activity, `notify`, to the Notifier the plan's target names.
import { type NotifierClients, notifierFor } from '../adapters/notifiers';
import type { PagerDutySeverity } from '../adapters/pagerduty';
import type { Delivery, Notice, NotifierTarget } from '../adapters/roles';
import { type ApprovalDecision, type ApprovalRequest, decisionBlocks, decisionText } from '../adapters/slack';
import { atBoundary } from './failures';
import { type CheckDeps, createCheckActivities } from './checks';
import type { PlanAdapters } from './deps';
import { createPreflightActivities } from './preflight';
import { createPreRollbackActivities } from './preRollback';
import { createStepActivities } from './runStep';
import { createWatchActivities, type IncidentOpener } from './watch';

export type { Delivery } from '../adapters/roles';

export interface ActivityDeps extends CheckDeps, NotifierClients {
  /** The incident path alerts take, for watched triggers that fire (the worker gives it a Temporal client). */
  incidents?: IncidentOpener;
}

/** What runs recorded before the `notifier-role` patch send by the activity `pagerdutyEvent`. */
export interface PagerDutyEventInput {
  incidentId: string;
  action: 'trigger' | 'acknowledge' | 'resolve';
  routingKeyEnv: string;
  severity: PagerDutySeverity;
  summary: string;
  source: string;
}

export function createActivities(deps: ActivityDeps) {
  /** Tells one target the plan configures, through the Notifier its vendor has. */
  const notify = (input: { to: NotifierTarget; notice: Notice }): Promise<Delivery> => atBoundary(() => notifierFor(input.to, deps).notify(input.notice));

  return {
    notify,

    // Runs recorded before the `notifier-role` patch schedule these two by name: they go
    // through the same notifiers.
    async pagerdutyEvent(input: PagerDutyEventInput): Promise<Delivery> {
      const { incidentId, action, routingKeyEnv, severity, summary, source } = input;
      return notify({
        to: { notifier: 'pagerduty', routingKeyEnv, severity, dedupKey: incidentId, source },
        notice: { event: action, text: summary },
      });
    },

    async postSlackMessage(input: { channel: string; text: string }): Promise<Delivery> {
      return notify({ to: { notifier: 'slack', channel: input.channel }, notice: { event: 'trigger', text: input.text } });
    },

    async requestApproval(input: { channel: string; request: ApprovalRequest }): Promise<Delivery> {
      const slack = deps.slack;
      if (!slack) return { sent: false, reason: 'SLACK_BOT_TOKEN is not set on the worker' };
      return atBoundary(async () => ({ sent: true, ...(await slack.postApprovalRequest(input.channel, input.request)) }));
    },

    /** Replaces the approval buttons with who (or what) decided. */
    async showDecision(input: { channel: string; ts: string; request: ApprovalRequest; decision: ApprovalDecision }): Promise<Delivery> {
      const slack = deps.slack;
      if (!slack) return { sent: false, reason: 'SLACK_BOT_TOKEN is not set on the worker' };
      const { channel, ts, request, decision } = input;
      return atBoundary(async () => ({
        sent: true,
        ...(await slack.updateMessage(channel, ts, decisionText(request, decision), decisionBlocks(request, decision))),
      }));
    },

    /** Alerts still firing for the service (monitoring after a rollback re-opens on them). */
    async activeAlerts(input: { adapters: PlanAdapters; service: string }): Promise<string[]> {
      const alerts = deps.infra(input.adapters).alerts;
      if (!alerts) return [];
      return atBoundary(() => alerts.activeAlerts(input.service));
    },

    ...createStepActivities(deps),
    ...createCheckActivities(deps),
    ...createPreRollbackActivities(deps),
    ...createPreflightActivities(deps),
    ...createWatchActivities({ metricsFor: (adapters) => deps.infra(adapters).metrics, ...(deps.incidents ? { incidents: deps.incidents } : {}) }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
