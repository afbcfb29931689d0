// How `rollback approve|reject` decides: through the API, with the caller's own token, so
// the decision is made in the name of the person the token belongs to — the CLI has no way
// to claim anyone else.
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { CliExit, EXIT } from './io';

export interface ApiSession {
  url: string;
  token: string;
}

/** ROLLBACK_API_URL (default: the local API), and ROLLBACK_TOKEN or ROLLBACK_TOKEN_FILE. */
export function apiFromEnv(env: NodeJS.ProcessEnv): ApiSession {
  const url = (env.ROLLBACK_API_URL || `http://127.0.0.1:${env.API_PORT || 8080}`).replace(/\/+$/, '');
  let token = env.ROLLBACK_TOKEN;
  if (!token && env.ROLLBACK_TOKEN_FILE) {
    try {
      token = readFileSync(env.ROLLBACK_TOKEN_FILE, 'utf8').trim();
    } catch (error) {
      throw new CliExit(
        EXIT.usage,
        `cannot read ROLLBACK_TOKEN_FILE ${env.ROLLBACK_TOKEN_FILE} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  }
  if (!token) {
    throw new CliExit(
      EXIT.usage,
      'a decision is made with your own API token: set ROLLBACK_TOKEN, or ROLLBACK_TOKEN_FILE to the file holding it (npm start writes one per approver of the demo plan under .data/tokens/)',
    );
  }
  return { url, token };
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function postJson(session: ApiSession, path: string, payload: unknown): Promise<ApiAnswer> {
  let res;
  try {
    res = await request(`${session.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (error) {
    throw new CliExit(EXIT.unreachable, `cannot reach the API at ${session.url}: ${(error as Error).message} (set ROLLBACK_API_URL)`);
  }
  const text = await res.body.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { error: text };
  }
  return { status: res.statusCode, body };
}

/**
 * Why the API refused, in its words: every refusal names the field at fault and the reason
 * apart (`issues`, src/api/errors.ts), so the reason is read as it is, never cut out of `error`.
 */
export function refusalReason(answer: ApiAnswer): string {
  const issues = answer.body.issues as { message?: unknown }[] | undefined;
  const reason = issues?.[0]?.message ?? answer.body.error;
  return typeof reason === 'string' && reason ? reason : 'no reason given';
}
