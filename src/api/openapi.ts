// The API's OpenAPI document, generated from the zod schemas the routes declare (request and
// response), served at GET /docs/json. Nothing is written twice: a route without a schema is
// a route without documentation, and test/integration/openapi.test.ts fails on it.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VERSION } from '../config';
import { promisedShapes } from './schemas';

export const OPENAPI_PATH = '/docs/json';

/** /v1 routes take a bearer token; Slack's are signed instead (src/api/app.ts). */
function needsBearer(url: string): boolean {
  return url.startsWith('/v1/') && !url.startsWith('/v1/slack/');
}

/** Zod schemas as JSON Schema; an answer whose type lives elsewhere is described by the fields it promises (src/api/schemas.ts). */
const jsonSchemaTransform = createJsonSchemaTransform({
  zodToJsonConfig: {
    override: ({ zodSchema, jsonSchema }) => {
      const promised = promisedShapes.get(zodSchema);
      if (!promised) return;
      Object.assign(jsonSchema, z.toJSONSchema(promised, { io: 'output', target: 'draft-2020-12' }));
      delete jsonSchema.$schema;
    },
  },
});

const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string() }), paths: z.record(z.string(), z.unknown()) });

/** Registers the document's collector (before the routes, so it sees them) and its route. */
export function openApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'rollback-orchestrator',
        version: VERSION,
        description: 'Alert webhooks, decisions, incident status and reports. README, "API", says who may call what.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: (document) => {
      const transformed = jsonSchemaTransform(document);
      return needsBearer(document.url) ? { ...transformed, schema: { ...transformed.schema, security: [{ bearer: [] }] } } : transformed;
    },
  });
  void app.register((docs, _options, done) => {
    docs.withTypeProvider<ZodTypeProvider>().get(
      OPENAPI_PATH,
      { logLevel: 'warn', schema: { response: { 200: OpenApiDocument } } },
      () =>
        // OpenAPI 3.1 (the options above), not Swagger 2.
        docs.swagger() as z.infer<typeof OpenApiDocument>,
    );
    done();
  });
}
