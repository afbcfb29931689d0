// GET /docs/json: the OpenAPI document generated from the routes' own zod schemas. Every
// route the app registers is in it, with its parameters, body and every answer it declares.
import { expect } from '@jest/globals';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp } from '../../../src/api/app';
import { Credentials } from '../../../src/api/auth';

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
}

let app: FastifyInstance;
const routes: RouteOptions[] = [];
let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  // The document never calls Temporal: no client is needed.
  app = buildApp({ client: {} as Client, plans: new Map(), credentials: Credentials.fromTokens([]), taskQueue: 'unused', now: Date.now });
  app.addHook('onRoute', (route) => void routes.push(route));
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});

afterAll(() => app.close());

/** Fastify's `/v1/incidents/:id` as OpenAPI's `/v1/incidents/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const methods = (route: RouteOptions) => (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');

test('every registered route is in the document, with its parameters, body and the answers it declares', () => {
  expect(doc.openapi).toBe('3.1.0');
  const listed = routes.flatMap((r) => methods(r).map((m) => `${m} ${openApiPath(r.url)}`)).sort();
  // Routes others add later are checked by the loop below as well.
  expect(listed).toEqual(
    expect.arrayContaining([
      'GET /docs/json',
      'GET /healthz',
      'GET /metrics',
      'GET /v1/freeze',
      'GET /v1/incidents/{id}',
      'GET /v1/incidents/{id}/report',
      'POST /v1/alerts/alertmanager',
      'POST /v1/incidents/{id}/decision',
      'POST /v1/slack/interactions',
    ]),
  );
  for (const route of routes) {
    for (const method of methods(route)) {
      const where = `${method} ${route.url}`;
      const op = doc.paths[openApiPath(route.url)]?.[method.toLowerCase()];
      expect({ where, documented: op !== undefined }).toEqual({ where, documented: true });
      const schema = route.schema as { params?: unknown; querystring?: unknown; body?: unknown; response?: Record<string, unknown> } | undefined;
      // Every route declares what it answers; the document shows each answer.
      expect({ where, answers: Object.keys(schema?.response ?? {}) }).toEqual({ where, answers: Object.keys(op.responses) });
      const params = (op.parameters ?? []).map((p) => `${p.in}:${p.name}`);
      if (schema?.params) expect(params).toEqual(expect.arrayContaining([expect.stringMatching(/^path:/)]));
      if (schema?.querystring) expect(params).toEqual(expect.arrayContaining([expect.stringMatching(/^query:/)]));
      expect({ where, body: op.requestBody !== undefined }).toEqual({ where, body: schema?.body !== undefined });
    }
  }
});

test('answers and bodies are described field by field, the large answers by the fields they promise', () => {
  const alerts = doc.paths['/v1/alerts/alertmanager'].post;
  expect(alerts.requestBody?.content['application/json'].schema).toMatchObject({ required: expect.arrayContaining(['version', 'alerts']) });
  expect(alerts.responses['422'].content?.['application/json'].schema).toMatchObject({
    properties: { refused: { type: 'array' }, incidents: { type: 'array' }, error: { type: 'string' } },
  });
  expect(alerts.security).toEqual([{ bearer: [] }]);
  const status = doc.paths['/v1/incidents/{id}'].get;
  expect(status.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true })]);
  expect(status.responses['200'].content?.['application/json'].schema).toMatchObject({
    properties: { incidentId: { type: 'string' }, stage: { type: 'string' }, timeline: { type: 'array' } },
  });
  expect(status.responses['404'].content?.['application/json'].schema).toMatchObject({ properties: { error: { type: 'string' } } });
  const report = doc.paths['/v1/incidents/{id}/report'].get;
  expect(Object.keys(report.responses['200'].content ?? {})).toEqual(['application/json', 'text/markdown']);
  expect(report.responses['200'].content?.['application/json'].schema).toMatchObject({ properties: { kind: { enum: ['incident', 'drill'] } } });
  expect(Object.keys(doc.paths['/v1/slack/interactions'].post.requestBody?.content ?? {})).toEqual(['application/x-www-form-urlencoded']);
  expect(doc.paths['/v1/slack/interactions'].post.security).toBeUndefined();
  expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content ?? {})).toEqual(['text/plain']);
});
