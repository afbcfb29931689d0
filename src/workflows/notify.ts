// Notifications never hold up a rollback. Runs started since the `notifiers-beside-the-run`
// patch send them beside the run: each is started and tracked (pending → delivered, skipped
// or failed, in the record), each attempt is short and retries go on in the background
// within the plan's `notifications.delivery` bounds, and messages to one destination keep
// their order (PagerDuty's trigger before its resolve, a Slack post before its update).
// Runs recorded before the patch await each notification, as they did, so they replay.
// Since the `notifier-role` patch every notification is the one activity `notify` with a
// target the plan configures; the worker picks the vendor's Notifier from the target.
import { ActivityFailure, CancellationScope, condition, patched, TimeoutFailure } from '@temporalio/workflow';
import type { Delivery } from '../activities';
import type { Notice, NotifierTarget } from '../adapters/roles';
import { parseDuration } from '../plan/duration';
import { DEFAULT_DELIVERY } from '../plan/delivery';
import type { Notifications, Plan } from '../plan/schema';
import type { IncidentState } from './incidentState';
import { notifications, notificationsWithin } from './proxies';

type PagerSeverity = NonNullable<Notifications['pagerduty']>['severity'];

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return (err as Error).message;
}

/** The plan's bounds; a plan snapshot taken before they existed gets the defaults. */
function deliveryBounds(state: IncidentState): Notifications['delivery'] {
  return state.input.plan.notifications.delivery ?? DEFAULT_DELIVERY;
}

/** Why a notification gave up, in words: the plan's bound that ended it and the last error seen. */
function deliveryFailure(state: IncidentState, err: unknown): string {
  if (!(err instanceof ActivityFailure)) return failureMessage(err);
  const { attemptTimeout, giveUpAfter } = deliveryBounds(state);
  const cause = err.cause;
  if (cause instanceof TimeoutFailure) {
    // A vendor that never answers leaves no error: every attempt ran out of time.
    return cause.timeoutType === 'SCHEDULE_TO_CLOSE'
      ? `no answer: gave up after ${giveUpAfter} (attempts of ${attemptTimeout})`
      : `no answer within ${attemptTimeout}`;
  }
  const last = cause?.message ?? err.message;
  return err.retryState === 'TIMEOUT' ? `gave up after ${giveUpAfter}; last error: ${last}` : last;
}

/**
 * Decided once, when the run starts: replays of older runs keep awaiting their notifications,
 * and keep the activity they scheduled per vendor.
 */
export function chooseNotifierMode(state: IncidentState): void {
  state.notifiersBeside = patched('notifiers-beside-the-run');
  state.notifierRole = patched('notifier-role');
}

type NotificationActivities = typeof notifications;

/** A notification under way; `delivery` settles when it is delivered, skipped or given up. */
export interface Sent {
  delivery: Promise<Delivery | undefined>;
}

/**
 * Sends one notification to `to` (a channel or a pager). Resolves at once for runs beside
 * (the delivery settles later), after the delivery for older runs.
 */
export async function send(state: IncidentState, what: string, to: string, deliver: (activities: NotificationActivities) => Promise<Delivery>): Promise<Sent> {
  const entry = state.queueNotification(what, to);
  const attempt = async (activities: NotificationActivities): Promise<Delivery | undefined> => {
    try {
      const delivery = await deliver(activities);
      state.settleNotification(entry, delivery.sent ? 'delivered' : 'skipped', delivery.reason);
      return delivery;
    } catch (err) {
      state.settleNotification(entry, 'failed', state.notifiersBeside ? deliveryFailure(state, err) : failureMessage(err));
      return undefined;
    }
  };
  if (!state.notifiersBeside) return { delivery: Promise.resolve(await attempt(notifications)) };

  const previous = state.lanes.get(to);
  // Not cancellable: a page sent by people escalation outlives the escalation's scope.
  const delivery = state.track(
    CancellationScope.nonCancellable(async () => {
      await previous;
      return attempt(notificationsWithin(deliveryBounds(state)));
    }),
  );
  state.lanes.set(to, delivery);
  return { delivery };
}

function delivered(sent: Sent): Promise<boolean> {
  return sent.delivery.then((d) => d?.sent === true);
}

/** True as soon as one of them is delivered; false once all settled undelivered. */
function anyDelivered(all: readonly Sent[]): Promise<boolean> {
  return new Promise((resolve) => {
    let left = all.length;
    if (left === 0) resolve(false);
    for (const sent of all) {
      void delivered(sent).then((ok) => {
        if (ok) resolve(true);
        else if (--left === 0) resolve(false);
      });
    }
  });
}

/** Runs `next` once one of `all` is delivered: beside the run, or awaited for older runs. */
export async function whenDelivered(state: IncidentState, all: readonly Sent[], next: () => Promise<unknown>): Promise<void> {
  const work = anyDelivered(all).then(async (ok) => {
    if (ok) await next();
  });
  if (state.notifiersBeside) void state.track(work);
  else await work;
}

/**
 * Before the run returns: gives notifications still under way the plan's bound to settle, so
 * their outcome lands in the record. The outcome itself never waited for them.
 */
export async function settleNotifications(state: IncidentState): Promise<void> {
  if (!state.notifiersBeside || state.notificationsSettled) return;
  if (await condition(() => state.notificationsSettled, parseDuration(deliveryBounds(state).giveUpAfter))) return;
  const pending = state.notifications.filter((n) => n.status === 'pending');
  for (const entry of pending) entry.detail = 'the run closed before it was delivered';
  state.record('notifications still pending at close', pending.map((n) => `${n.what} → ${n.to}`).join(', '));
}

/** Fills a plan template's {{placeholders}}; unknown ones stay visible rather than vanish. */
export function fillTemplate(template: string, values: Record<string, string | undefined>): string {
  return template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** The plan's incident channel, or the channel given; undefined when the plan has no chat. */
export function channelTarget(plan: Plan, channel?: string): NotifierTarget | undefined {
  const target = channel ?? plan.notifications.slack?.channel;
  return target ? { notifier: 'slack', channel: target } : undefined;
}

/** The plan's pager for one alert (the run's own, a step's, or a watcher's); undefined when the plan has none. */
export function pagerTarget(plan: Plan, dedupKey: string, severity?: PagerSeverity): NotifierTarget | undefined {
  const pager = plan.notifications.pagerduty;
  if (!pager) return undefined;
  return {
    notifier: 'pagerduty',
    routingKeyEnv: pager.routingKeyEnv,
    severity: severity ?? pager.severity,
    dedupKey,
    source: `rollback-orchestrator/${plan.name}`,
  };
}

/** Who a target is in the record: the channel, or the pager's name. */
function recipient(to: NotifierTarget): string {
  return to.notifier === 'slack' ? to.channel : to.notifier;
}

/**
 * Schedules one notice: the activity `notify` (the worker picks the vendor's Notifier from
 * the target) since the `notifier-role` patch; in runs recorded before it, the activity each
 * vendor had, so that they replay.
 */
export function scheduleNotice(activities: NotificationActivities, notifierRole: boolean, what: string, to: NotifierTarget, notice: Notice): Promise<Delivery> {
  if (notifierRole) return activities.notify.executeWithOptions({ summary: `${what} → ${recipient(to)}` }, [{ to, notice }]);
  if (to.notifier === 'slack')
    return activities.postSlackMessage.executeWithOptions({ summary: `${what} → ${to.channel}` }, [{ channel: to.channel, text: notice.text }]);
  const { dedupKey, routingKeyEnv, severity, source } = to;
  return activities.pagerdutyEvent.executeWithOptions({ summary: what }, [
    { incidentId: dedupKey, action: notice.event, routingKeyEnv, severity, summary: notice.text, source },
  ]);
}

/** Sends `notice` to `to`; nothing when the plan configures no such target. */
async function tell(state: IncidentState, what: string, to: NotifierTarget | undefined, notice: Notice): Promise<Sent> {
  if (!to) return { delivery: Promise.resolve(undefined) };
  return send(state, what, recipient(to), (activities) => scheduleNotice(activities, state.notifierRole, what, to, notice));
}

/** A message to the plan's incident channel, or to the channel given. */
export function tellChannel(state: IncidentState, what: string, text: string, channel?: string): Promise<Sent> {
  return tell(state, what, channelTarget(state.input.plan, channel), { event: 'trigger', text });
}

/** An event on the run's incident with the plan's pager; resolving it resolves the steps' own alerts too. */
export async function page(state: IncidentState, event: Notice['event'], summary: string): Promise<Sent> {
  const { plan, incidentId } = state.input;
  const sent = await tell(state, `PagerDuty ${event}`, pagerTarget(plan, incidentId), { event, text: summary });
  if (event === 'resolve') {
    for (const key of state.stepAlerts) await tell(state, `PagerDuty resolve (${key})`, pagerTarget(plan, `${incidentId}:${key}`), { event, text: summary });
  }
  return sent;
}

/**
 * A `notify.pagerduty` step's page: an alert of its own at the step's severity (seed 004
 * line 160), since PagerDuty keeps the first severity and summary of an open alert and
 * drops later triggers with its key. Resolved together with the run's page.
 */
export function pageAlert(state: IncidentState, key: string, summary: string, severity: PagerSeverity | undefined): Promise<Sent> {
  const { plan, incidentId } = state.input;
  if (!state.stepAlerts.includes(key)) state.stepAlerts.push(key);
  return tell(state, `PagerDuty trigger (${key})`, pagerTarget(plan, `${incidentId}:${key}`, severity), { event: 'trigger', text: summary });
}
