// The API's request log at info: probes and scrapes (/healthz every few seconds from a load
// balancer, /metrics from Prometheus) would drown the lines that matter, so they are not logged.
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { buildApp } from '../../../src/api/app';
import { Credentials } from '../../../src/api/auth';

test('/healthz and /metrics are not logged at info; a /v1 request is', async () => {
  const lines: { msg?: string; req?: { url?: string }; res?: { statusCode?: number } }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as (typeof lines)[number]),
      );
      done();
    },
  });
  const app = buildApp(
    { client: {} as Client, plans: new Map(), credentials: Credentials.fromTokens([]), taskQueue: 'unused', now: Date.now },
    { logger: { level: 'info', stream } },
  );
  for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  expect((await app.inject({ method: 'GET', url: '/v1/incidents/x' })).statusCode).toBe(401);
  await app.close();
  const urls = lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url);
  expect(urls).toEqual(['/v1/incidents/x']);
});
