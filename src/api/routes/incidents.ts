// An incident is a run: its status (the workflow's query) and decisions (its signals).
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { resolveIncident, UnknownIncidentError } from '../../incidents/runs';
import { type IncidentStatus, statusQuery } from '../../workflows/messages';
import { submitDecision } from '../decisions';
import type { ApiDeps } from '../app';
import { parseBody, RequestError } from '../errors';

const IncidentParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'not an incident id') });

export const DecisionBody = z.object({
  decision: z.enum(['approve', 'reject']),
  by: z.string().regex(/^[UW][A-Z0-9]+$/, 'by must be the Slack user id of the person deciding (e.g. U012ABCDEF)'),
  reason: z.string().min(1, 'say why').max(2000),
});

export function incidentRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { client } = deps;

  async function status(id: string): Promise<IncidentStatus> {
    try {
      return await client.workflow.getHandle(await resolveIncident(client, id)).query(statusQuery);
    } catch (err) {
      if (err instanceof UnknownIncidentError) throw new RequestError(404, 'params.id', err.message);
      if (err instanceof WorkflowNotFoundError) throw new RequestError(404, 'params.id', `no incident "${id}"`);
      throw err;
    }
  }

  return async (app) => {
    app.get('/incidents/:id', async (request) => {
      const { id } = parseBody(IncidentParams, request.params);
      return status(id);
    });

    app.post('/incidents/:id/decision', async (request, reply) => {
      const { id } = parseBody(IncidentParams, request.params);
      const body = parseBody(DecisionBody, request.body);
      const answer = await submitDecision(client, id, { verdict: body.decision, by: body.by, reason: body.reason });
      if (!answer.accepted) {
        const notAllowed = answer.refusal === 'not-an-approver';
        throw new RequestError(notAllowed ? 403 : 409, notAllowed ? 'by' : 'decision', `${body.by}: ${answer.reason}`);
      }
      return reply.status(202).send({ incidentId: id, decision: body.decision, by: body.by });
    });
  };
}
