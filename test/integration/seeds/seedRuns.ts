// Starting a seed plan's run the way the API does after an alert: the seed's own service,
// the trigger, the decision context in base units and the alert's value as it arrived.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Plan } from '../../../src/plan/schema';
import type { IncidentContext, RollbackWorkflow, TimelineEntry } from '../../../src/workflows/messages';
import { startRun } from '../runs';

export interface SeedRun {
  service: string;
  trigger: string;
  context?: IncidentContext;
  /** The alert's value as it would arrive, e.g. "5%". */
  value?: string;
}

export function startSeedRun(client: Client, taskQueue: string, plan: Plan, run: SeedRun): Promise<WorkflowHandle<RollbackWorkflow>> {
  return startRun(client, taskQueue, plan, run.trigger, {
    service: run.service,
    ...(run.context ? { context: run.context } : {}),
    ...(run.value ? { value: run.value } : {}),
  });
}

/** Index of the first timeline entry whose event starts with `prefix` (-1 when absent). */
export function at(timeline: TimelineEntry[], prefix: string): number {
  return timeline.findIndex((e) => e.event.startsWith(prefix));
}
