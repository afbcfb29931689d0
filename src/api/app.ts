// The HTTP API as a Fastify plugin built by a function: tests call it with `inject`.
// Routes declare their request and response schemas (zod, through fastify-type-provider-zod);
// handlers receive parsed input and never parse it themselves.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Client } from '@temporalio/client';
import {
  type FastifyPluginCallbackZod,
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Plan } from '../plan/schema';
import { authenticate, type Credentials, requireScope, Scope } from './auth';
import { incidentRefusal, RequestError, validationRefusal } from './errors';
import { apiMetrics } from './metrics';
import { openApi } from './openapi';
import { alertRoutes } from './routes/alerts';
import { decisionRoutes } from './routes/decisions';
import { incidentRoutes } from './routes/incidents';
import { reportRoutes } from './routes/reports';
import { slackRoutes } from './routes/slack';
import { temporalUnavailable } from '../incidents/unavailable';
import { RETRY_AFTER_SECONDS } from './temporal';

export interface ApiDeps {
  client: Client;
  plans: ReadonlyMap<string, Plan>;
  /** Who may call /v1, with which scopes (src/api/auth.ts, src/api/tokensFile.ts). */
  credentials: Credentials;
  taskQueue: string;
  /** Slack app signing secret; without it Slack interactions are refused. */
  slackSigningSecret?: string;
  /** Wall clock in ms, for the Slack replay window. */
  now: () => number;
}

export function buildApp(deps: ApiDeps, options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: 1024 * 1024, ...options });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((failure, request, reply) => {
    const error = hasZodFastifySchemaValidationErrors(failure) ? validationRefusal(failure.validation) : (incidentRefusal(failure) ?? failure);
    if (error instanceof RequestError) {
      return reply.status(error.status).send({ error: error.message, issues: error.issues });
    }
    const unavailable = temporalUnavailable(error);
    if (unavailable) {
      // 503 + Retry-After: Alertmanager (and any client) retries a 5xx, never a 4xx.
      request.log.warn({ err: error }, unavailable);
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({ error: unavailable, issues: [{ field: '(temporal)', message: unavailable }] });
    }
    const { statusCode, message } = error as { statusCode?: number; message: string };
    if (statusCode && statusCode >= 400 && statusCode < 500) {
      // Fastify's own refusals: malformed JSON, wrong content type, body too large.
      return reply.status(statusCode).send({ error: message, issues: [{ field: '(body)', message }] });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'internal error' });
  });

  // First: the document is built from the routes registered after it.
  openApi(app);
  const metrics = apiMetrics(deps.client, deps.now);

  // Probes and scrapes come every few seconds: logged only when something is wrong.
  const quiet = { logLevel: 'warn' } as const;
  void app.register((root, _options, done) => {
    const plain = root.withTypeProvider<ZodTypeProvider>();
    plain.get('/healthz', { ...quiet, schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, () => ({ status: 'ok' as const }));
    const exposition = { description: 'Prometheus text exposition format (README, "Metrics and logs")', content: { 'text/plain': { schema: z.string() } } };
    plain.get('/metrics', { ...quiet, schema: { response: { 200: exposition } } }, async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
    done();
  });

  // Each group of routes demands one scope of the caller's credential.
  const scoped: [Scope, FastifyPluginCallbackZod][] = [
    [Scope.AlertsWrite, alertRoutes(deps, metrics)],
    [Scope.IncidentsRead, incidentRoutes(deps)],
    [Scope.IncidentsRead, reportRoutes(deps)],
    [Scope.IncidentsDecide, decisionRoutes(deps)],
  ];
  void app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(deps.credentials));
      // JSON only: anything else is 415, not a string for the schema to puzzle over.
      v1.removeContentTypeParser('text/plain');
      for (const [scope, routes] of scoped) {
        await v1.register(async (group) => {
          group.addHook('onRequest', requireScope(scope));
          await group.register(routes);
        });
      }
    },
    { prefix: '/v1' },
  );
  // Slack cannot send our bearer token: its requests are authenticated by signature instead.
  void app.register(slackRoutes(deps), { prefix: '/v1/slack' });
  return app;
}
