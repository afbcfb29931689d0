// Plumbing shared by the vendor stand-ins: a quiet Fastify app that takes every body as
// raw text (each stand-in parses it the way its vendor does), request recording, scripted
// failures and a loopback listener on an ephemeral port.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedRequest<Body = unknown> {
  /** Path of the call, e.g. "/api/chat.postMessage" or "/v2/enqueue". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as the vendor would read it (parsed form or JSON), or the raw text if unreadable. */
  body: Body;
  /** Whether the stand-in answered with a scripted failure instead of processing the call. */
  scriptedFailure?: string;
}

export interface RunningStandIn {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A Fastify app that accepts any content type as a string, so stand-ins can refuse the wrong ones themselves. */
export function createStandInApp(): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  return app;
}

export async function listenOnLoopback(app: FastifyInstance, basePath = ''): Promise<RunningStandIn> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in did not bind a TCP port');
  return {
    url: `http://127.0.0.1:${address.port}${basePath}`,
    port: address.port,
    close: () => app.close(),
  };
}

/** Scripted failures: a queue that each call to `take()` consumes, or an outage that lasts until `recover()`. */
export class FailureScript<Kind extends string> {
  private readonly queue: Kind[] = [];
  private outage: Kind | undefined;

  failNext(count: number, kind: Kind): void {
    for (let i = 0; i < count; i++) this.queue.push(kind);
  }

  /** Every call fails this way until `recover()`. */
  failAll(kind: Kind): void {
    this.outage = kind;
  }

  recover(): void {
    this.outage = undefined;
    this.queue.length = 0;
  }

  take(): Kind | undefined {
    return this.queue.shift() ?? this.outage;
  }
}

/** Accepts the request and never answers; the connection stays open until the stand-in closes. */
export function hang(reply: FastifyReply): FastifyReply {
  return reply.hijack();
}

/** "application/json; charset=utf-8" → "application/json". */
export function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}
