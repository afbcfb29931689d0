// Bearer-token check for the /v1 routes, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RequestError } from './errors';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerTokenHook(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer (.+)$/.exec(header) : null;
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new RequestError(401, 'headers.authorization', 'a valid bearer token is required');
    }
  };
}
