// What every real-server helper shares: free loopback ports, a temp folder per server,
// spawning with the log in that folder, waiting until the server answers, and stopping
// it for sure. Nothing may outlive the test run, even when a test fails before its stop()
// or the Jest worker is killed: every server runs in its own process group (nginx workers
// and PostgreSQL backends included) and gets a watchdog — a tiny `sh` reading a pipe from
// this process. When this process goes away for any reason, the pipe closes and the
// watchdog stops the whole group (graceful signal, then SIGKILL) and removes the folder.
// (A `process.on('exit')` hook would not do: Jest's sandboxed `process` never emits it.)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../scripts/lib/devServer';

export { freePort };

export interface ServerProcess {
  child: ChildProcess;
  dir: string;
  logFile: string;
  /** Stops the process group (graceful signal, then SIGKILL) and removes its folder. Safe to call twice. */
  stop: () => Promise<void>;
}

const live = new Set<ServerProcess>();

const WATCHDOG = `read -r _ || true
kill -"$2" -"$1" 2>/dev/null
i=0
while kill -0 -"$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL -"$1" 2>/dev/null
rm -rf "$3"`;

function startWatchdog(pgid: number, signal: NodeJS.Signals, dir: string): ChildProcess {
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'watchdog', String(pgid), signal.replace(/^SIG/, ''), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep Jest (or a script) from exiting.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

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
    // Own process group: stopping it also stops the server's own children.
    detached: true,
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  closeSync(log);
  // A test that fails before stop() must not keep Jest from exiting; the watchdog cleans up then.
  child.unref();
  child.on('error', () => {
    // reported by waitUntil through exitCode / the log; keeps an ENOENT from crashing the worker
  });
  const stopSignal = options.stopSignal ?? 'SIGTERM';
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid, stopSignal, options.dir);
  let stopping: Promise<void> | undefined;
  const server: ServerProcess = {
    child,
    dir: options.dir,
    logFile,
    stop() {
      stopping ??= (async () => {
        await stopChild(child, stopSignal, 5_000);
        killGroup(child, 'SIGKILL');
        // Our own stop is done: the watchdog must not signal a process group id that may be reused.
        watchdog?.kill('SIGKILL');
        live.delete(server);
        if (!options.keepDir) rmSync(options.dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  live.add(server);
  return server;
}

/** Signals the whole process group (left-over nginx workers, PostgreSQL backends). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => {
      child.kill('SIGKILL');
      killGroup(child, 'SIGKILL');
    }, graceMs);
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
      throw new Error(`${what} did not answer within ${timeoutMs} ms (${last instanceof Error ? String(last) : 'not ready'}):\n${log}`);
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
