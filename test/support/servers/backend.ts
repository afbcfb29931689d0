// A tiny upstream for the load-balancer tests: answers every request with its own name
// (to see where traffic went) and can hold requests open (to make "active requests").
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  name: string;
  port: number;
  /** host:port, as an upstream `server` line wants it. */
  address: string;
  url: string;
  /** Requests currently held open. */
  readonly held: number;
  /** From now on, requests wait until release() (or stop()). */
  hold(): void;
  /** Answers every held request and stops holding. */
  release(): void;
  stop(): Promise<void>;
}

export async function startBackend(name: string): Promise<Backend> {
  let holding = false;
  const waiting = new Set<ServerResponse>();
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(name);
  };
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    if (!holding) return answer(res);
    waiting.add(res);
    res.on('close', () => waiting.delete(res));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    holding = false;
    for (const res of waiting) answer(res);
    waiting.clear();
  };
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    get held() {
      return waiting.size;
    },
    hold: () => {
      holding = true;
    },
    release,
    stop: async () => {
      release();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A Prometheus scrape target: `/metrics` serves whatever `body()` returns now. */
export async function startMetricsEndpoint(body: () => string): Promise<{ address: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Sends `count` GETs one after another and counts the answers by backend name. */
export async function tally(url: string, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = res.ok ? await res.text() : `HTTP ${res.status}`;
    seen[text] = (seen[text] ?? 0) + 1;
  }
  return seen;
}

/** Polls until `predicate` holds (a held request reached the backend, a count dropped to 0). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
