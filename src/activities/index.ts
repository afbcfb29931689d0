// Thin activities: each resolves the adapter the plan names and calls it. All are safe to
// retry: flag disabling is idempotent, PagerDuty de-duplicates on dedup_key, and Slack
// posts are the only non-idempotent calls (a retried post can repeat a message, never an action).
import type { HttpProbe, HttpProbeResult } from '../adapters/httpCheck';
import type { PagerDutyClient } from '../adapters/pagerduty';
import { type ApprovalDecision, type ApprovalRequest, decisionBlocks, decisionText, type SlackNotifier } from '../adapters/slack';
import { atBoundary } from './failures';
import { createStepActivities, type PlanAdapters, type StepDeps } from './steps';

export interface ActivityDeps extends StepDeps {
  /** Absent when no Slack token is configured: notifications are then recorded as skipped. */
  slack?: SlackNotifier;
  pagerduty: PagerDutyClient;
  /** Reads a secret by the environment-variable name the plan gives. */
  secret(name: string): string | undefined;
  probeHttp(probe: HttpProbe): Promise<HttpProbeResult>;
}

export interface Delivery {
  sent: boolean;
  reason?: string;
  channel?: string;
  ts?: string;
}

export interface PagerDutyEventInput {
  incidentId: string;
  action: 'trigger' | 'acknowledge' | 'resolve';
  routingKeyEnv: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  summary: string;
  source: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    async pagerdutyEvent(input: PagerDutyEventInput): Promise<Delivery> {
      const routingKey = deps.secret(input.routingKeyEnv);
      if (!routingKey) return { sent: false, reason: `${input.routingKeyEnv} is not set on the worker` };
      return atBoundary(async () => {
        await deps.pagerduty.sendEvent({
          routingKey,
          action: input.action,
          dedupKey: input.incidentId,
          summary: input.summary,
          source: input.source,
          severity: input.severity,
        });
        return { sent: true };
      });
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

    async postSlackMessage(input: { channel: string; text: string }): Promise<Delivery> {
      const slack = deps.slack;
      if (!slack) return { sent: false, reason: 'SLACK_BOT_TOKEN is not set on the worker' };
      return atBoundary(async () => ({ sent: true, ...(await slack.postMessage(input.channel, input.text)) }));
    },

    async httpCheck(probe: HttpProbe): Promise<HttpProbeResult> {
      return deps.probeHttp(probe);
    },

    /** Alerts still firing for the service (monitoring after a rollback re-opens on them). */
    async activeAlerts(input: { adapters: PlanAdapters; service: string }): Promise<string[]> {
      const alerts = deps.infra(input.adapters).alerts;
      if (!alerts) return [];
      return atBoundary(() => alerts.activeAlerts(input.service));
    },

    ...createStepActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
