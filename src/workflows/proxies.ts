// Activity proxies, one per retry profile. Workflows import activity types only.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_TYPES } from '../activities/failures';
import { parseDuration } from '../plan/duration';
import type { Notifications } from '../plan/schema';

const nonRetryableErrorTypes = [...NON_RETRYABLE_TYPES];

/** Notifications as runs recorded before the notifier patch awaited them (up to 8 attempts of 30 s). */
export const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8, nonRetryableErrorTypes },
});

/**
 * Notifications beside the run: a short attempt, so a hung vendor is given up on quickly,
 * and retries in the background (rate limits, outages) until the plan's bound.
 */
export function notificationsWithin(delivery: Notifications['delivery']) {
  return proxyActivities<Activities>({
    startToCloseTimeout: parseDuration(delivery.attemptTimeout),
    scheduleToCloseTimeout: parseDuration(delivery.giveUpAfter),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes },
  });
}

/** Actions on the service: idempotent (or guarded by the step's idempotency key), retried a few times. */
export function actions(timeoutMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes },
  });
}

/**
 * Steps: like actions, and a step's activity heartbeats (src/activities/heartbeat.ts), so a
 * worker that dies mid-step is noticed within seconds, not at the end of the step's timeout.
 */
export function stepActions(timeoutMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: '10s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes },
  });
}

/**
 * Checks: the plan's attempts, delays and rechecks are the workflow's. An activity attempt is
 * repeated once only when it was lost (its worker died mid-check) or broke: checks answer
 * with verdicts, they do not throw.
 */
export function checks(timeoutMs: number) {
  return proxyActivities<Activities>({ startToCloseTimeout: timeoutMs, retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes } });
}
