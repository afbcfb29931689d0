// POST /v1/alerts/alertmanager: each firing alert starts a run or joins the one in progress.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import { alertSignal, type IncidentInput, ROLLBACK_WORKFLOW, type RollbackWorkflow } from '../../workflows/messages';
import { AlertmanagerPayloadSchema, routeAlert, type RoutedAlert } from '../alertmanager';
import type { ApiDeps } from '../app';
import { parseBody } from '../errors';

export type AlertResult =
  | { incidentId: string; status: 'started' | 'joined'; plan: string; service: string; trigger: string }
  | { incidentId: string; status: 'resolved-recorded' | 'resolved-no-open-run'; plan: string; service: string; trigger: string };

export function alertRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { client } = deps;

  async function deliver(routed: RoutedAlert): Promise<AlertResult> {
    const base = { incidentId: routed.incidentId, plan: routed.plan.name, service: routed.service, trigger: routed.trigger.name };
    const handle = client.workflow.getHandle(routed.incidentId);
    if (routed.notification.status === 'resolved') {
      try {
        await handle.signal(alertSignal, routed.notification);
        return { ...base, status: 'resolved-recorded' };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { ...base, status: 'resolved-no-open-run' };
        throw err;
      }
    }
    const input: IncidentInput = {
      incidentId: routed.incidentId,
      plan: routed.plan,
      service: routed.service,
      trigger: routed.trigger.name,
      alert: routed.notification,
      ...(routed.notification.labels.phase ? { context: { phase: routed.notification.labels.phase } } : {}),
    };
    try {
      await client.workflow.start<RollbackWorkflow>(ROLLBACK_WORKFLOW, {
        workflowId: routed.incidentId,
        taskQueue: deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `Rollback ${routed.plan.name}/${routed.service}: ${routed.trigger.name}`,
      });
      return { ...base, status: 'started' };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // A repeated notification of an alert whose run is open: record it in that run.
      await handle.signal(alertSignal, routed.notification);
      return { ...base, status: 'joined' };
    }
  }

  return async (app) => {
    app.post('/alerts/alertmanager', async (request, reply) => {
      const payload = parseBody(AlertmanagerPayloadSchema, request.body);
      const receivedAt = new Date().toISOString();
      // Route every alert first: one bad alert refuses the whole payload before any run starts.
      const routed = payload.alerts.map((alert, i) => routeAlert(deps.plans, alert, i, receivedAt));
      const results: AlertResult[] = [];
      for (const alert of routed) results.push(await deliver(alert));
      return reply.status(202).send({ incidents: results });
    });
  };
}
