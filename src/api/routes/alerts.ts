// POST /v1/alerts/alertmanager: each firing alert starts a run or joins the one in progress.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import { openRunOf } from '../../incidents/runs';
import { startIncident } from '../../incidents/start';
import { alertSignal } from '../../workflows/messages';
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
    // One open run per plan and service: a different alert for it joins that run (during
    // monitoring it re-opens the decision) instead of starting a second rollback.
    const open = await openRunOf(client, routed.plan.name, routed.service);
    if (open && open !== routed.incidentId) {
      await client.workflow.getHandle(open).signal(alertSignal, routed.notification);
      return { ...base, incidentId: open, status: 'joined' };
    }
    const { status } = await startIncident(client, deps.taskQueue, {
      incidentId: routed.incidentId,
      plan: routed.plan,
      service: routed.service,
      trigger: routed.trigger.name,
      alert: routed.notification,
      context: routed.context,
    });
    return { ...base, status };
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
