// Credentials for API tests: random tokens with the scopes (and people) a test names, and
// the Authorization header for each.
import { randomBytes } from 'node:crypto';
import { type Credential, Credentials, LEGACY_TOKEN_SCOPES, Scope } from '../../src/api/auth';

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
