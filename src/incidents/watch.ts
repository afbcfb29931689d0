// Watching plans from outside the workflow: start (or update) the watcher of each plan,
// service and environment a plan watches, stop it, read its status; and the incident path a
// watched trigger that fires takes — the alert's own (deliverAlert: signal-with-start on the
// service desk), handed to the worker's activities.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { IncidentOpener } from '../activities/watch';
import type { Plan } from '../plan/schema';
import { watchedTargets } from '../policy/watch';
import { stopWatchSignal, WATCH_WORKFLOW, type WatchInput, watchIdFor, watchPlanSignal, watchQuery, type WatchView } from '../workflows/messages';
import { deliverAlert } from './start';

/** A watched trigger that fired goes where an alert for the same plan, service and environment goes. */
export function incidentOpener(client: Client, taskQueue: string): IncidentOpener {
  return {
    async open({ plan, service, environment, trigger, context, alert }) {
      const accepted = await deliverAlert(client, taskQueue, { plan, service, environment, trigger, alert, context });
      return { incidentId: accepted.incidentId };
    },
  };
}

export interface WatchTarget {
  watchId: string;
  service: string;
  environment: string;
}

/** The watchers a plan has when it turns watching on (none when it does not). */
export function watchersOf(plan: Plan): WatchTarget[] {
  return watchedTargets(plan).map(({ service, environment }) => ({ watchId: watchIdFor(plan.name, service, environment), service, environment }));
}

/**
 * Starts the plan's watchers, or hands a running one the plan as it is now. Signal-with-start
 * under the derived id: any number of API replicas or `npm start`s reach the same watcher.
 */
export async function startWatching(client: Client, taskQueue: string, plan: Plan): Promise<WatchTarget[]> {
  const targets = watchersOf(plan);
  for (const { watchId, service, environment } of targets) {
    await client.workflow.signalWithStart(WATCH_WORKFLOW, {
      workflowId: watchId,
      taskQueue,
      args: [{ watchId, plan, service, environment } satisfies WatchInput],
      signal: watchPlanSignal,
      signalArgs: [plan],
      staticSummary: `Watching ${plan.name}/${service} (${environment}) every ${plan.watch?.interval ?? '5s'}`,
    });
  }
  return targets;
}

/** Watchers of the plan that are (still) running: stopped ones and ones never started are left out. */
async function running(client: Client, plan: Plan, watchIds?: string[]): Promise<string[]> {
  const ids = watchIds ?? watchersOf({ ...plan, watch: { ...plan.watch!, enabled: true } }).map((t) => t.watchId);
  const alive: string[] = [];
  for (const id of ids) {
    try {
      const described = await client.workflow.getHandle(id).describe();
      if (described.status.name === 'RUNNING') alive.push(id);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return alive;
}

/** Asks the plan's running watchers to stop; they end after the tick under way. */
export async function stopWatching(client: Client, plan: Plan, reason: string): Promise<string[]> {
  const ids = plan.watch ? await running(client, plan) : [];
  for (const id of ids) await client.workflow.getHandle(id).signal(stopWatchSignal, { reason });
  return ids;
}

/** What each running watcher of the plan last saw. */
export async function watchStatus(client: Client, plan: Plan): Promise<WatchView[]> {
  const ids = plan.watch ? await running(client, plan) : [];
  return Promise.all(ids.map((id) => client.workflow.getHandle(id).query(watchQuery)));
}

/**
 * Starts the watchers of every plan that turns watching on (the API's start-up, so `npm
 * start` watches them), retrying each while Temporal cannot be reached yet. Any number of
 * API replicas doing this reach the same watchers.
 */
export async function startWatchingPlans(client: Client, taskQueue: string, plans: Iterable<Plan>, log: (line: string) => void, retryMs = 5000): Promise<void> {
  const pending = [...plans].filter((p) => p.watch?.enabled);
  while (pending.length > 0) {
    const plan = pending[0];
    try {
      const targets = await startWatching(client, taskQueue, plan);
      log(`watching ${plan.name}: ${targets.map((t) => t.watchId).join(', ')}`);
      pending.shift();
    } catch (err) {
      log(`cannot start watching ${plan.name} yet (${(err as Error).message}); trying again in ${retryMs} ms`);
      await new Promise((r) => setTimeout(r, retryMs).unref());
    }
  }
}
