// Starting and watching runs the way the API does, for tests that drive the workflow directly.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Plan } from '../../src/plan/schema';
import {
  type IncidentStatus,
  ROLLBACK_WORKFLOW,
  type RollbackWorkflow,
  statusQuery,
} from '../../src/workflows/messages';
import { eventually, uniqueName } from '../support/harness';

export async function startRun(
  client: Client,
  taskQueue: string,
  plan: Plan,
  trigger: string,
): Promise<WorkflowHandle<RollbackWorkflow>> {
  const incidentId = uniqueName(`rollback-${plan.name}-checkout`);
  return client.workflow.start<RollbackWorkflow>(ROLLBACK_WORKFLOW, {
    workflowId: incidentId,
    taskQueue,
    args: [
      {
        incidentId,
        plan,
        service: 'checkout',
        trigger,
        alert: { status: 'firing', receivedAt: new Date().toISOString(), labels: { alertname: trigger, service: 'checkout' }, value: '4.2%' },
      },
    ],
  });
}

export function status(handle: WorkflowHandle): Promise<IncidentStatus> {
  return handle.query(statusQuery);
}

export function waitForApprovalRequest(handle: WorkflowHandle): Promise<IncidentStatus> {
  return eventually(() => status(handle), (s) => s.pendingApproval !== undefined);
}

export function events(s: IncidentStatus): string[] {
  return s.timeline.map((e) => e.event);
}
