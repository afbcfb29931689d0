// Starting runs, shared by the alert webhook and the CLI. An alert goes to its service desk
// (signal-with-start under an id derived from plan, service and environment): the desk
// decides whether it is news and opens at most one run. A drill starts its own run directly
// under its own id: it rehearses beside real incidents, never in their place.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Plan } from '../plan/schema';
import {
  type AlertDelivery,
  alertSignal,
  type AlertNotification,
  deliverAlertSignal,
  type DeskInput,
  deskIdFor,
  type IncidentContext,
  type IncidentInput,
  ROLLBACK_WORKFLOW,
  type RollbackWorkflow,
  SearchAttributes,
  SERVICE_DESK_WORKFLOW,
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

/** An alert for the desk: what a run needs, without an id (the desk names its runs) or a drill. */
export type AlertRequest = Omit<StartRequest, 'incidentId' | 'drill'>;

export interface Accepted {
  /** The service desk's id; as an incident id it names the desk's open (or latest) run. */
  incidentId: string;
  status: 'accepted';
}

/** The service desk an alert goes to. */
export function deskOf(request: AlertRequest): { deskId: string; environment: string } {
  const environment = request.environment ?? request.plan.targets.environment;
  return { deskId: deskIdFor(request.plan.name, request.service, environment), environment };
}

/** Hands an alert to its service desk, starting the desk if it is not running. Durable once this returns. */
export async function deliverAlert(client: Client, taskQueue: string, request: AlertRequest): Promise<Accepted> {
  const { plan, service, trigger, alert, context } = request;
  const { deskId, environment } = deskOf(request);
  const delivery: AlertDelivery = { plan, service, trigger, environment, alert, ...(context && Object.keys(context).length ? { context } : {}) };
  await client.workflow.signalWithStart(SERVICE_DESK_WORKFLOW, {
    workflowId: deskId,
    taskQueue,
    args: [{ deskId, plan: plan.name, service, environment } satisfies DeskInput],
    signal: deliverAlertSignal,
    signalArgs: [delivery],
    staticSummary: `Service desk ${plan.name}/${service} (${environment})`,
  });
  return { incidentId: deskId, status: 'accepted' };
}
