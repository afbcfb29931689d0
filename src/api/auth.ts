// Who is calling /v1 and what they may do. Every credential is a bearer token with scopes;
// a token that may decide names the person it belongs to, and a decision is made in that
// person's name, never in a name the request body claims. Tokens are kept as SHA-256
// digests and compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestError } from './errors';

export const Scope = {
  /** Post alerts (the Alertmanager webhook). */
  AlertsWrite: 'alerts:write',
  /** Read incident status, reports and the deployment freeze. */
  IncidentsRead: 'incidents:read',
  /** Approve or reject a rollback, as the credential's person. */
  IncidentsDecide: 'incidents:decide',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const SCOPES = Object.values(Scope) as [Scope, ...Scope[]];

export interface Credential {
  /** A name for logs and refusals; never the token. */
  name: string;
  scopes: readonly Scope[];
  /** The Slack user id of the person this token belongs to (the id plans' authority lists). */
  person?: string;
}

/** What the legacy `API_TOKEN` may do: feed alerts and read, never decide. */
export const LEGACY_TOKEN_SCOPES: readonly Scope[] = [Scope.AlertsWrite, Scope.IncidentsRead];

export const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

interface Entry {
  digest: Buffer;
  credential: Credential;
}

export class Credentials {
  private constructor(private readonly entries: readonly Entry[]) {}

  /** From SHA-256 digests (the tokens file may give a digest instead of the token). */
  static fromDigests(entries: readonly Entry[]): Credentials {
    return new Credentials(entries);
  }

  static fromTokens(entries: readonly (Credential & { token: string })[]): Credentials {
    return new Credentials(entries.map(({ token, ...credential }) => ({ digest: sha256(token), credential })));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The credential a presented token belongs to; every entry is compared, in constant time. */
  find(token: string): Credential | undefined {
    const presented = sha256(token);
    let found: Credential | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest)) found ??= entry.credential;
    }
    return found;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    credential?: Credential;
  }
}

const REALM = 'Bearer realm="rollback-orchestrator"';

/** `onRequest` hook of the /v1 prefix: a known bearer token, or 401. */
export function authenticate(credentials: Credentials) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer (.+)$/.exec(header) : null;
    const credential = match ? credentials.find(match[1]) : undefined;
    if (!credential) {
      void reply.header('www-authenticate', REALM);
      throw new RequestError(401, 'headers.authorization', 'a valid bearer token is required');
    }
    request.credential = credential;
  };
}

/** `onRequest` hook of a group of routes: the caller's credential must carry `scope`, or 403. */
export function requireScope(scope: Scope) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const credential = request.credential;
    if (credential?.scopes.includes(scope)) return;
    void reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${scope}"`);
    const has = credential?.scopes.length ? credential.scopes.join(', ') : 'none';
    throw new RequestError(403, 'headers.authorization', `token "${credential?.name ?? '?'}" lacks the scope ${scope} (it has: ${has})`);
  };
}

/** The person a deciding request acts for: the credential's, never the body's. */
export function personOf(request: FastifyRequest): string {
  const person = request.credential?.person;
  // Unreachable with a validated tokens file (a deciding token names its person); fail closed.
  if (!person) throw new RequestError(403, 'headers.authorization', `token "${request.credential?.name ?? '?'}" belongs to no person and cannot decide`);
  return person;
}
