// POST /v1/alerts/alertmanager: each alert is judged on its own. Good ones go to their service
// desk (which starts a run, joins the open one, or counts a repeat); bad ones are listed with
// their field errors. Alertmanager retries a 5xx and never a 4xx, so the status says whether
// anything was refused (422) or could not be handed on (503, retried: a re-sent alert is a
// repeat to its desk), and the good alerts of a mixed payload are never lost.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deliverAlert, deskOf } from '../../incidents/start';
import { RecentDeliveries } from '../recentDeliveries';
import { AlertmanagerPayloadSchema, routeAlert } from '../alertmanager';
import type { ApiDeps } from '../app';
import { FieldIssue, RequestError } from '../errors';
import { type ApiMetrics, webhookOutcome } from '../metrics';
import { refusals } from '../schemas';

const AcceptedAlert = z.object({
  alert: z.number(),
  fingerprint: z.string(),
  status: z.literal('accepted'),
  /** The service desk's id: as an incident id it names the plan and service's open (or latest) run. */
  incidentId: z.string(),
  plan: z.string(),
  service: z.string(),
  trigger: z.string(),
  /** An identical notification was handed on moments ago: this one joined it (src/api/recentDeliveries.ts). */
  coalesced: z.literal(true).optional(),
});
type AcceptedAlert = z.infer<typeof AcceptedAlert>;

const RefusedAlert = z.object({ alert: z.number(), fingerprint: z.string(), error: z.string(), issues: z.array(FieldIssue) });
type RefusedAlert = z.infer<typeof RefusedAlert>;

/** 202 when every alert was handed on, 422 (with `error`, `issues` and `refused`) when any was refused. */
export const AlertsAnswer = z.object({
  incidents: z.array(AcceptedAlert),
  error: z.string().optional(),
  issues: z.array(FieldIssue).optional(),
  refused: z.array(RefusedAlert).optional(),
  warning: z.string().optional(),
});

export function alertRoutes(deps: ApiDeps, metrics: ApiMetrics): FastifyPluginCallbackZod {
  const { client } = deps;
  const recent = new RecentDeliveries(deps.now);

  return (app, _options, done) => {
    const schema = { body: AlertmanagerPayloadSchema, response: { 202: AlertsAnswer, 422: AlertsAnswer, ...refusals(400, 415, 503) } };
    // Every answer counts, the authentication hook's 401 and 403 included.
    const onResponse = (_request: unknown, reply: { statusCode: number }): Promise<void> => {
      metrics.webhooks.inc({ outcome: webhookOutcome(reply.statusCode) });
      return Promise.resolve();
    };
    app.post('/alerts/alertmanager', { schema, onResponse }, async (request, reply) => {
      const payload = request.body;
      const receivedAt = new Date().toISOString();
      const accepted: AcceptedAlert[] = [];
      const refused: RefusedAlert[] = [];
      const routed = payload.alerts.flatMap((alert, i) => {
        try {
          return [{ index: i, routed: routeAlert(deps.plans, alert, i, receivedAt) }];
        } catch (err) {
          if (!(err instanceof RequestError)) throw err;
          refused.push({ alert: i, fingerprint: alert.fingerprint, error: err.message, issues: err.issues });
          return [];
        }
      });
      // Handed on one by one, in payload order; a Temporal outage stops here with a 503 and
      // Alertmanager re-sends the group (what was handed on already becomes a counted repeat).
      for (const { index, routed: r } of routed) {
        const request = { plan: r.plan, service: r.service, trigger: r.trigger.name, alert: r.notification, context: r.context };
        const { deskId: desk } = deskOf(request);
        const { fingerprint, startsAt, status } = r.notification;
        const coalesced = await recent.once(`${desk}|${fingerprint}|${startsAt}|${status}`, () => deliverAlert(client, deps.taskQueue, request));
        accepted.push({
          alert: index,
          fingerprint: fingerprint!,
          status: 'accepted',
          incidentId: desk,
          plan: r.plan.name,
          service: r.service,
          trigger: r.trigger.name,
          ...(coalesced ? { coalesced } : {}),
        });
      }
      for (const a of accepted) metrics.alerts.inc({ outcome: a.coalesced ? 'coalesced' : 'accepted' });
      if (refused.length) metrics.alerts.inc({ outcome: 'refused' }, refused.length);
      const truncated = payload.truncatedAlerts ?? 0;
      if (truncated > 0) {
        request.log.warn({ groupKey: payload.groupKey, truncatedAlerts: truncated }, 'Alertmanager truncated the group: those alerts never reached us');
      }
      return reply.status(refused.length ? 422 : 202).send({
        incidents: accepted,
        // `error` and `issues` as in every other refusal; `refused` groups the issues by alert.
        ...(refused.length
          ? {
              // Every bad alert by its place and fingerprint, with what is wrong with it.
              error: `${refused.length} of ${payload.alerts.length} alerts refused${accepted.length ? ' (the others were accepted)' : ''}: ${refused
                .map((r) => `alert ${r.alert} (fingerprint ${r.fingerprint}): ${r.error}`)
                .join('; ')}`,
              issues: refused.flatMap((r) => r.issues),
              refused,
            }
          : {}),
        ...(truncated > 0 ? { warning: `Alertmanager left out ${truncated} alerts of this group (max_alerts): they were not received` } : {}),
      });
    });
    done();
  };
}
