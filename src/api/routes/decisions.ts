// POST /v1/incidents/:id/decision: a person approves or rejects, as the person their token
// belongs to. The body does not say who decides; a `by` that names someone else is refused.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../app';
import { personOf } from '../auth';
import { submitDecision } from '../decisions';
import { parseBody, RequestError } from '../errors';
import { IncidentParams } from './incidents';

export const DecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().min(1, 'say why').max(2000),
  /** Optional, and only ever the token's own person: older clients sent it. */
  by: z.string().regex(/^[UW][A-Z0-9]+$/, 'by must be a Slack user id (e.g. U012ABCDEF)').optional(),
});

export function decisionRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.post('/incidents/:id/decision', async (request, reply) => {
      const { id } = parseBody(IncidentParams, request.params);
      const body = parseBody(DecisionBody, request.body);
      const by = personOf(request);
      if (body.by !== undefined && body.by !== by) {
        throw new RequestError(403, 'by', `this token decides as ${by}, not ${body.by}: a decision is made in the name of the token's person`);
      }
      const answer = await submitDecision(deps.client, id, { verdict: body.decision, by, reason: body.reason });
      if (!answer.accepted) {
        const notAllowed = answer.refusal === 'not-an-approver';
        throw new RequestError(notAllowed ? 403 : 409, notAllowed ? 'by' : 'decision', `${by}: ${answer.reason}`);
      }
      return reply.status(202).send({ incidentId: id, decision: body.decision, by });
    });
  };
}
