// POST /v1/incidents/:id/decision: a person approves or rejects, as the person their token
// belongs to. The body does not say who decides; a `by` that names someone else is refused.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { submitDecision } from '../../incidents/decisions';
import type { ApiDeps } from '../app';
import { personOf } from '../auth';
import { RequestError } from '../errors';
import { refusals } from '../schemas';
import { IncidentParams } from './incidents';

const DecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().min(1, 'say why').max(2000),
  /** Optional, and only ever the token's own person: older clients sent it. */
  by: z
    .string()
    .regex(/^[UW][A-Z0-9]+$/, 'by must be a Slack user id (e.g. U012ABCDEF)')
    .optional(),
});

const DecisionCounted = z.object({ incidentId: z.string(), decision: DecisionBody.shape.decision, by: z.string() });

export function decisionRoutes(deps: ApiDeps): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/incidents/:id/decision',
      { schema: { params: IncidentParams, body: DecisionBody, response: { 202: DecisionCounted, ...refusals(400, 403, 404, 409, 503) } } },
      async (request, reply) => {
        const { id } = request.params;
        const { decision, reason, by: claimed } = request.body;
        const by = personOf(request);
        if (claimed !== undefined && claimed !== by) {
          throw new RequestError(403, 'by', `this token decides as ${by}, not ${claimed}: a decision is made in the name of the token's person`);
        }
        await submitDecision(deps.client, id, { verdict: decision, by, reason });
        return reply.status(202).send({ incidentId: id, decision, by });
      },
    );
    done();
  };
}
