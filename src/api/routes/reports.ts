// GET /v1/incidents/:id/report: the incident report (JSON, or Markdown with ?format=md).
// GET /v1/freeze?service=…: whether deployments of a service are frozen by an open incident;
// CI/CD pipelines call it before deploying, so the answer is small and its shape fixed.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { freezeStatus, incidentRecord, planOfRun } from '../../incidents/runs';
import { Slug } from '../../plan/language/common';
import { buildReport, renderMarkdown } from '../../report';
import type { ApiDeps } from '../app';
import type { IncidentReport } from '../../report/types';
import { RequestError } from '../errors';
import { answerOf, refusals } from '../schemas';
import { IncidentParams } from './incidents';

const ReportQuery = z.object({ format: z.enum(['json', 'md']).default('json') });

/** The report as JSON (IncidentReport in src/report/types.ts); Markdown is sent as text. */
const ReportBody = answerOf<IncidentReport>()({
  version: z.number(),
  kind: z.enum(['incident', 'drill']),
  title: z.string(),
  incidentId: z.string(),
  plan: z.string(),
  service: z.string(),
  environment: z.string(),
  trigger: z.string(),
  stage: z.string(),
});

const FreezeQuery = z.object({ service: Slug });

const FreezeAnswer = z.object({
  service: z.string(),
  frozen: z.boolean(),
  incidents: z.array(z.object({ incidentId: z.string(), plan: z.string(), stage: z.string(), since: z.string() })),
  reason: z.string(),
});

export function reportRoutes(deps: ApiDeps): FastifyPluginCallbackZod {
  const { client } = deps;

  return (app, _options, done) => {
    app.get(
      '/incidents/:id/report',
      {
        schema: {
          params: IncidentParams,
          querystring: ReportQuery,
          response: {
            200: { description: 'the report', content: { 'application/json': { schema: ReportBody }, 'text/markdown': { schema: z.string() } } },
            ...refusals(400, 404, 409, 503),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const record = await incidentRecord(client, id);
        const plan = await planOfRun(client, record.incidentId, record.plan, deps.plans);
        if (!plan) throw new RequestError(409, 'params.id', `the plan "${record.plan}" of incident "${id}" is neither loaded nor in the run's history`);
        const report = buildReport(plan, record);
        if (request.query.format === 'md') return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(report));
        return report;
      },
    );

    app.get('/freeze', { schema: { querystring: FreezeQuery, response: { 200: FreezeAnswer, ...refusals(400, 503) } } }, async (request) =>
      freezeStatus(client, deps.plans, request.query.service),
    );
    done();
  };
}
