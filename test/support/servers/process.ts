// What every real-server helper shares: free loopback ports, a temp folder per server,
// spawning with the log in that folder, waiting until the server answers, and stopping
// it for sure. Every started server is registered so that a test that forgets (or fails
// before) its `stop()` still leaves nothing behind when the Jest worker exits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../scripts/lib/devServer';

export { freePort };

export interface ServerProcess {
  child: ChildProcess;
  dir: string;
  logFile: string;
  /** Stops the process (graceful signal, then SIGKILL) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const live = new Set<ServerProcess>();

// Last resort when a suite ends without stop(): synchronous, so it also runs on `exit`.
process.once('exit', () => {
  for (const server of live) {
    try {
      server.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(server.dir, { recursive: true, force: true });
  }
});

/** Stops every server this test file started and has not stopped yet (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((server) => server.stop()));
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `rollback-${name}-`));
}

/**
 * The user a server that refuses root (PostgreSQL) runs as when the tests run as root (CI):
 * `postgres` from the Debian package, else `nobody`. undefined when we are not root.
 */
export function unprivilegedUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid, name };
    } catch {
      // no such user; try the next
    }
  }
  throw new Error('running as root, but neither a "postgres" nor a "nobody" user exists to run PostgreSQL as');
}

export function chownTree(dir: string, user: { uid: number; gid: number } | undefined): void {
  if (user) chownSync(dir, user.uid, user.gid);
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  dir: string;
  /** Signal for a graceful stop (the server's documented fast shutdown). */
  stopSignal?: NodeJS.Signals;
  user?: { uid: number; gid: number };
  env?: NodeJS.ProcessEnv;
  /** Keep the folder after stop (never by default). */
  keepDir?: boolean;
}

/** Spawns a server in the foreground, output to `<dir>/<name>.log`. */
export function spawnServer(options: SpawnOptions): ServerProcess {
  const logFile = join(options.dir, `${options.name}.log`);
  const log = openSync(logFile, 'a');
  if (options.user) chownSync(logFile, options.user.uid, options.user.gid);
  const child = spawn(options.command, options.args, {
    cwd: options.dir,
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  child.on('error', () => {
    // reported by waitUntil through exitCode / the log; keeps an ENOENT from crashing the worker
  });
  let stopping: Promise<void> | undefined;
  const server: ServerProcess = {
    child,
    dir: options.dir,
    logFile,
    stop() {
      stopping ??= (async () => {
        await stopChild(child, options.stopSignal ?? 'SIGTERM', 5_000);
        live.delete(server);
        if (!options.keepDir) rmSync(options.dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  live.add(server);
  return server;
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill(signal);
  });
}

export function logTail(server: ServerProcess, chars = 2000): string {
  try {
    return readFileSync(server.logFile, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/**
 * Polls `probe` until it returns true; fails early when the process exits, with its log.
 * Stops the server when it never becomes ready, so a failed start leaves nothing behind.
 */
export async function waitUntil(server: ServerProcess, what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      const log = logTail(server);
      await server.stop();
      throw new Error(`${what} exited (${server.child.exitCode ?? server.child.signalCode}) before it answered:\n${log}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const log = logTail(server);
      await server.stop();
      throw new Error(`${what} did not answer within ${timeoutMs} ms (${String(last ?? 'not ready')}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when an HTTP GET answers with a 2xx status. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}
