// Starting an incident run, shared by the alert webhook and the CLI: build the
// IncidentInput, start the workflow under the incident id, or — when a run with that id is
// open — record the repeated alert in it instead ("a duplicate alert joins").
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Plan } from '../plan/schema';
import {
  alertSignal,
  type AlertNotification,
  type IncidentContext,
  type IncidentInput,
  ROLLBACK_WORKFLOW,
  type RollbackWorkflow,
  SearchAttributes,
} from '../workflows/messages';

export interface StartRequest {
  incidentId: string;
  plan: Plan;
  service: string;
  trigger: string;
  alert: AlertNotification;
  context?: IncidentContext;
  /** Defaults (in the workflow) to the plan's `targets.environment`. */
  environment?: string;
  /** Name of one of `plan.drills`. */
  drill?: string;
}

export interface StartResult {
  incidentId: string;
  status: 'started' | 'joined';
  /** Run id of the run started; absent when the request joined an open run. */
  runId?: string;
}

export function incidentInput(request: StartRequest): IncidentInput {
  const { incidentId, plan, service, trigger, alert, context, environment, drill } = request;
  return {
    incidentId,
    plan,
    service,
    trigger,
    alert,
    ...(context && Object.keys(context).length ? { context } : {}),
    ...(environment ? { environment } : {}),
    ...(drill ? { drill } : {}),
  };
}

export async function startIncident(client: Client, taskQueue: string, request: StartRequest): Promise<StartResult> {
  const input = incidentInput(request);
  const kind = request.drill ? `Drill ${request.drill}` : 'Rollback';
  try {
    const handle = await client.workflow.start<RollbackWorkflow>(ROLLBACK_WORKFLOW, {
      workflowId: input.incidentId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `${kind} ${input.plan.name}/${input.service}: ${input.trigger}`,
      // Set at start so that the freeze check sees the run before its first workflow task.
      typedSearchAttributes: [
        { key: SearchAttributes.plan, value: input.plan.name },
        { key: SearchAttributes.service, value: input.service },
        ...(input.drill ? [{ key: SearchAttributes.drill, value: input.drill }] : []),
      ],
    });
    return { incidentId: input.incidentId, status: 'started', runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // A repeated notification of an alert whose run is open: record it in that run.
    await client.workflow.getHandle(input.incidentId).signal(alertSignal, input.alert);
    return { incidentId: input.incidentId, status: 'joined' };
  }
}

