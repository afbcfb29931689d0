// Thin activities: each resolves the adapter the plan names and calls it. All are safe to
// retry: flag disabling is idempotent, PagerDuty de-duplicates on dedup_key, and Slack
// posts are the only non-idempotent calls (a retried post can repeat a message, never an action).
import type { FlagStore } from '../adapters/flagStore';
import type { HttpProbe, HttpProbeResult } from '../adapters/httpCheck';
import type { PagerDutyClient } from '../adapters/pagerduty';
import { type ApprovalDecision, type ApprovalRequest, decisionBlocks, decisionText, type SlackNotifier } from '../adapters/slack';
import type { Plan } from '../plan/schema';
import { atBoundary } from './failures';

export interface ActivityDeps {
  flagStore(config: Plan['adapters']['flags']): FlagStore;
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

    async disableFlag(input: { store: Plan['adapters']['flags']; flag: string; incidentId: string }) {
      return atBoundary(() => deps.flagStore(input.store).disable(input.flag, `rollback ${input.incidentId}`));
    },

    async httpCheck(probe: HttpProbe): Promise<HttpProbeResult> {
      return deps.probeHttp(probe);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
