// GET /v1/incidents/:id/report: the incident report (JSON, or Markdown with ?format=md).
// GET /v1/freeze?service=…: whether deployments of a service are frozen by an open incident;
// CI/CD pipelines call it before deploying, so the answer is small and its shape fixed.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { freezeStatus, incidentRecord, planOfRun, UnknownIncidentError } from '../../incidents/runs';
import { Slug } from '../../plan/language/common';
import { buildReport, renderMarkdown } from '../../report';
import type { ApiDeps } from '../app';
import { parseBody, RequestError } from '../errors';

const ReportParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'not an incident id') });
const ReportQuery = z.object({ format: z.enum(['json', 'md']).default('json') });
const FreezeQuery = z.object({ service: Slug });

export function reportRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { client } = deps;

  return async (app) => {
    app.get('/incidents/:id/report', async (request, reply) => {
      const { id } = parseBody(ReportParams, request.params);
      const { format } = parseBody(ReportQuery, request.query);
      const record = await incidentRecord(client, id).catch((err: unknown) => {
        if (err instanceof UnknownIncidentError) throw new RequestError(404, 'params.id', err.message);
        throw err;
      });
      const plan = await planOfRun(client, record.incidentId, record.plan, deps.plans);
      if (!plan) throw new RequestError(409, 'params.id', `the plan "${record.plan}" of incident "${id}" is neither loaded nor in the run's history`);
      const report = buildReport(plan, record);
      if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(report));
      return report;
    });

    app.get('/freeze', async (request) => {
      const { service } = parseBody(FreezeQuery, { service: (request.query as Record<string, unknown> | undefined)?.service });
      return freezeStatus(client, deps.plans, service);
    });
  };
}
