// GET /v1/incidents/:id: an incident is a run, and its status is the workflow's query.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { incidentStatus, UnknownIncidentError } from '../../incidents/runs';
import type { IncidentStatus } from '../../workflows/messages';
import type { ApiDeps } from '../app';
import { parseBody, RequestError } from '../errors';

export const IncidentParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'not an incident id') });

export function incidentRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { client } = deps;

  async function status(id: string): Promise<IncidentStatus> {
    try {
      return await incidentStatus(client, id);
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
  };
}
