// Starting and watching runs the way the API does, for tests that drive the workflow directly.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Plan } from '../../src/plan/schema';
import {
  deskQuery,
  type DeskView,
  type IncidentContext,
  type IncidentStatus,
  ROLLBACK_WORKFLOW,
  type RollbackWorkflow,
  statusQuery,
} from '../../src/workflows/messages';
import { eventually, uniqueName } from '../support/harness';

/** What an alert or a person adds to a run besides the trigger (all optional). */
export interface RunOptions {
  service?: string;
  /** Decision facts in base units: fractions for %, milliseconds for times. */
  context?: IncidentContext;
  drill?: string;
  environment?: string;
  /** The alert's value as it would arrive, e.g. "4.2%". */
  value?: string;
  /** The incident id (and workflow id): a repeated alert gives the same one; unique by default. */
  incidentId?: string;
}

export async function startRun(
  client: Client,
  taskQueue: string,
  plan: Plan,
  trigger: string,
  options: RunOptions = {},
): Promise<WorkflowHandle<RollbackWorkflow>> {
  const service = options.service ?? 'checkout';
  const incidentId = options.incidentId ?? uniqueName(`rollback-${plan.name}-${service}`);
  return client.workflow.start<RollbackWorkflow>(ROLLBACK_WORKFLOW, {
    workflowId: incidentId,
    taskQueue,
    args: [
      {
        incidentId,
        plan,
        service,
        trigger,
        ...(options.context ? { context: options.context } : {}),
        ...(options.drill ? { drill: options.drill } : {}),
        ...(options.environment ? { environment: options.environment } : {}),
        alert: { status: 'firing', receivedAt: new Date().toISOString(), labels: { alertname: trigger, service }, value: options.value ?? '4.2%' },
      },
    ],
  });
}

export function status(handle: WorkflowHandle): Promise<IncidentStatus> {
  return handle.query(statusQuery);
}

export function waitForApprovalRequest(handle: WorkflowHandle): Promise<IncidentStatus> {
  return eventually(
    () => status(handle),
    (s) => s.pendingApproval !== undefined,
  );
}

export function events(s: IncidentStatus): string[] {
  return s.timeline.map((e) => e.event);
}

/** What a service desk remembers (runs opened, episodes, timeline). */
export function deskView(client: Client, deskId: string): Promise<DeskView> {
  return client.workflow.getHandle(deskId).query(deskQuery);
}

/** The n-th run (1-based) a service desk opened, once it has. */
export async function nthRun(client: Client, deskId: string, n: number, timeoutMs = 30_000): Promise<WorkflowHandle<RollbackWorkflow>> {
  const view = await eventually(
    () => deskView(client, deskId),
    (v) => v.runs.length >= n,
    timeoutMs,
  );
  return client.workflow.getHandle<RollbackWorkflow>(view.runs[n - 1].incidentId);
}

/** Rollback runs (not desks) of a plan that visibility lists as open. */
export async function openRuns(client: Client, plan: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'rollbackWorkflow' AND ExecutionStatus = 'Running' AND RollbackPlan = '${plan}'` }))
    ids.push(wf.workflowId);
  return ids;
}

/** Every milestone named was reached (a timestamp), none before the one named ahead of it. */
export function expectMilestonesInOrder(milestones: Partial<Record<string, string>>, inOrder: readonly string[]): void {
  const times = inOrder.map((m) => Date.parse(milestones[m] ?? ''));
  expect({ notReached: inOrder.filter((_, i) => Number.isNaN(times[i])) }).toEqual({ notReached: [] });
  expect({ beforeThePrevious: inOrder.filter((_, i) => i > 0 && times[i] < times[i - 1]) }).toEqual({ beforeThePrevious: [] });
}

/** Ends the runs a suite started and may have left open (one that has closed already is fine). */
export async function terminateAll(client: Client, ids: Iterable<string>): Promise<void> {
  for (const id of ids)
    await client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
}
