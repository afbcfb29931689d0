// Starts the Temporal dev server (through scripts/temporal.sh, so the same binary and
// search attributes everywhere) and waits until it answers. Used by `npm start` and the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';

const ROOT = resolve(__dirname, '../..');

export interface DevServerOptions {
  port: number;
  /** Omit for a headless server (the tests). */
  uiPort?: number;
  dbFile: string;
  logFile: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: no shutdown, the SQLite file as it was at that moment. */
  kill(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill(signal);
  });
}

async function waitUntilServing(address: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server did not answer on ${address}: ${(err as Error).message}; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = openSync(options.logFile, 'a');
  const args = ['scripts/temporal.sh', 'start-dev', '--port', String(options.port), '--db-filename', options.dbFile];
  args.push(...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]));
  const child = spawn('bash', args, { cwd: ROOT, stdio: ['ignore', log, log], env: process.env });
  closeSync(log); // the child has its own copy; a restarted server opens it again
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, child, options.logFile, 60_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    address,
    ...(options.uiPort === undefined ? {} : { uiUrl: `http://127.0.0.1:${options.uiPort}` }),
    child,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 'SIGKILL'),
  };
}
