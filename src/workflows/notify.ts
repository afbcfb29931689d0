// Notifications never block a rollback: a failure is recorded and the run goes on.
import { ActivityFailure } from '@temporalio/workflow';
import type { Delivery } from '../activities';
import type { IncidentState } from './incidentState';
import { notifications } from './proxies';

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return (err as Error).message;
}

export async function notify<T extends Delivery>(state: IncidentState, what: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    const delivery = await send();
    state.record(delivery.sent ? `${what} sent` : `${what} skipped`, delivery.reason);
    return delivery;
  } catch (err) {
    state.record(`${what} failed`, failureMessage(err));
    return undefined;
  }
}

/** Fills a plan template's {{placeholders}}; unknown ones stay visible rather than vanish. */
export function fillTemplate(template: string, values: Record<string, string | undefined>): string {
  return template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** True when the message was delivered. */
export async function postToSlack(state: IncidentState, what: string, text: string, channel?: string): Promise<boolean> {
  const target = channel ?? state.input.plan.notifications.slack?.channel;
  if (!target) return false;
  const delivery = await notify(state, what, () => notifications.postSlackMessage.executeWithOptions({ summary: `${what} → ${target}` }, [{ channel: target, text }]));
  return delivery?.sent === true;
}

/** True when PagerDuty took the event. */
export async function page(state: IncidentState, action: 'trigger' | 'acknowledge' | 'resolve', summary: string): Promise<boolean> {
  const { plan, incidentId } = state.input;
  const pagerduty = plan.notifications.pagerduty;
  if (!pagerduty) return false;
  const delivery = await notify(state, `PagerDuty ${action}`, () =>
    notifications.pagerdutyEvent.executeWithOptions({ summary: `PagerDuty ${action}` }, [
      { incidentId, action, routingKeyEnv: pagerduty.routingKeyEnv, severity: pagerduty.severity, summary, source: `rollback-orchestrator/${plan.name}` },
    ]),
  );
  return delivery?.sent === true;
}
