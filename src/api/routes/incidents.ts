// GET /v1/incidents/:id: an incident is a run, and its status is the workflow's query.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { incidentStatus } from '../../incidents/runs';
import type { ApiDeps } from '../app';
import type { IncidentStatus } from '../../workflows/messages';
import { answerOf, refusals } from '../schemas';

export const IncidentParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'not an incident id') });

/**
 * The run's status (IncidentStatus in src/workflows/messages.ts): the fields that name the
 * run are promised here; the rest passes as the workflow reports it.
 */
const IncidentStatusBody = answerOf<IncidentStatus>()({
  incidentId: z.string(),
  plan: z.string(),
  service: z.string(),
  trigger: z.string(),
  stage: z.string(),
  checks: z.array(z.unknown()),
  notifications: z.array(z.unknown()),
  timeline: z.array(z.object({ at: z.string(), event: z.string(), detail: z.string().optional() })),
});

export function incidentRoutes(deps: ApiDeps): FastifyPluginCallbackZod {
  const { client } = deps;

  return (app, _options, done) => {
    app.get('/incidents/:id', { schema: { params: IncidentParams, response: { 200: IncidentStatusBody, ...refusals(400, 404, 503) } } }, async (request) =>
      incidentStatus(client, request.params.id),
    );
    done();
  };
}
