// Credentials for API tests: random tokens with the scopes (and people) a test names, the
// Authorization header for each, and the API app that admits them.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app';
import { type Credential, Credentials, LEGACY_TOKEN_SCOPES, Scope } from '../../src/api/auth';
import type { Plan } from '../../src/plan/schema';

export type TokenSpec = Omit<Credential, 'name'>;

export const ALERTS_ONLY: TokenSpec = { scopes: [Scope.AlertsWrite] };
export const READER: TokenSpec = { scopes: [Scope.IncidentsRead] };
/** What the legacy API_TOKEN may do (alerts and reading). */
export const LEGACY: TokenSpec = { scopes: LEGACY_TOKEN_SCOPES };
export const decider = (person: string): TokenSpec => ({ person, scopes: [Scope.IncidentsRead, Scope.IncidentsDecide] });

export interface TestCredentials {
  credentials: Credentials;
  token(name: string): string;
  auth(name: string): { authorization: string };
}

export function testCredentials(specs: Record<string, TokenSpec>): TestCredentials {
  const tokens = new Map(Object.keys(specs).map((name) => [name, randomBytes(16).toString('hex')]));
  const token = (name: string) => {
    const t = tokens.get(name);
    if (!t) throw new Error(`no test token "${name}"`);
    return t;
  };
  return {
    credentials: Credentials.fromTokens(Object.entries(specs).map(([name, spec]) => ({ name, token: token(name), ...spec }))),
    token,
    auth: (name) => ({ authorization: `Bearer ${token(name)}` }),
  };
}

/** The API (src/api/app.ts) over a test's client and task queue, admitting `tokens`, with these plans loaded. */
export function testApi(client: Client, taskQueue: string, tokens: TestCredentials, plans: ReadonlyMap<string, Plan> = new Map()): FastifyInstance {
  return buildApp({ client, plans, credentials: tokens.credentials, taskQueue, now: Date.now });
}
