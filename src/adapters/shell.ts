// Shell commands, the runbook's own world: strict bash (`set -euo pipefail`, so a failing
// pipe stage or an unset variable fails the command instead of passing by accident) in the
// plan's working directory, or else a directory of the run's own, never the worker's.
// A timeout kills the whole process group (a runbook line like `docker-compose up` starts
// children that would outlive bash); the incident record keeps the directory, the exit code
// and the tail of stdout+stderr, with secret values replaced by ***.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { type CommandsAdapter, parseByteSize } from '../plan/language/runtimeAdapters';
import type { ActionRecord, CommandRunner } from './roles';

export const DEFAULT_OUTPUT_LIMIT = 4 * 1024;
/** Between SIGTERM and SIGKILL for a timed-out command's process group. */
export const DEFAULT_KILL_GRACE_MS = 2000;
/** After bash exits, how long a background child may keep the output pipes open. */
const PIPE_GRACE_MS = 500;
const MASK = '***';
/** `set -euo pipefail` for every command: errors, unset variables and failed pipe stages fail it. */
const STRICT_BASH = ['-e', '-u', '-o', 'pipefail'] as const;

export interface ShellOptions {
  /** Working directory; a fresh temporary directory when absent, never the worker's own. */
  cwd?: string;
  /** Extra environment on top of `baseEnv`. */
  env?: Record<string, string>;
  /** Names of environment variables whose values must never reach the record. */
  secretNames?: readonly string[];
  /** Bytes of output kept (the tail); default 4 KiB. */
  outputLimit?: number;
  /** Record the command, run nothing. */
  dryRun?: boolean;
  /** Used when `run` is given no timeout; none when absent. */
  defaultTimeoutMs?: number;
  killGraceMs?: number;
  /** The environment commands inherit; `process.env` by default. */
  baseEnv?: NodeJS.ProcessEnv;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Replaces every occurrence of each secret value; longest first, so a secret containing another is masked whole. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) masked = masked.split(secret).join(MASK);
  }
  return masked;
}

/** The values of the named variables that are set and non-empty. */
export function secretValues(names: readonly string[], ...envs: (Record<string, string | undefined> | undefined)[]): string[] {
  const values = new Set<string>();
  for (const name of names) {
    for (const env of envs) {
      const value = env?.[name];
      if (value) values.add(value);
    }
  }
  return [...values];
}

/**
 * The last `limit` bytes of `text`, marked when something was cut. `total` is the size
 * the text had before any earlier trimming (what the mark reports).
 */
export function tail(text: string, limit: number, total?: number): string {
  const bytes = Buffer.from(text, 'utf8');
  const size = Math.max(total ?? 0, bytes.length);
  if (size <= limit && bytes.length <= limit) return text;
  // Cutting may split a multi-byte character: drop the broken start.
  const kept = bytes
    .subarray(Math.max(0, bytes.length - limit))
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  return `[… ${size - Buffer.byteLength(kept)} earlier bytes trimmed]\n${kept}`;
}

/** One line for the timeline: the command's first line, shortened. */
export function shortCommand(command: string, max = 120): string {
  const text = command.trim();
  const line = text.split('\n')[0];
  if (line.length > max) return `${line.slice(0, max - 1)}…`;
  return line.length < text.length ? `${line} …` : line;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SIGTERM to the group, SIGKILL to whatever is left after the grace period. */
async function killGroup(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid)) return;
    await delay(25);
  }
  signalGroup(pid, 'SIGKILL');
}

/**
 * The command dies with the worker. A worker killed mid-step (SIGKILL, out of memory) would
 * otherwise leave the command running unseen while Temporal retries the step on another
 * worker, which runs it a second time beside the first. A guard outside the commands' groups
 * reads a pipe from this process: the pipe closes when the process dies, and the guard then
 * kills the groups it watches. A command that ends while its worker lives is released, so
 * what it left in the background keeps running, as it always did. One guard serves all of
 * this process's commands: starting a process blocks the worker while fork copies its page
 * tables (npm run bench profiled 17 ms a start at 500 MB), so not one guard per command.
 */
const GUARD =
  'declare -A groups; while read -r op pid; do case "$op" in watch) groups[$pid]=1;; release) unset "groups[$pid]";; esac; done; for pid in "${!groups[@]}"; do kill -9 -"$pid" 2>/dev/null; done';
let guard: ChildProcessByStdio<Writable, null, null> | undefined;

function guardGroup(pid: number): { release(): void } {
  if (!guard || guard.exitCode !== null || guard.signalCode !== null || !guard.stdin.writable) {
    const started = spawn('bash', ['-c', GUARD], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    started.on('error', () => undefined);
    started.stdin.on('error', () => undefined);
    // Neither the guard nor its pipe keeps this process alive.
    started.unref();
    (started.stdin as Writable & { unref?: () => void }).unref?.();
    guard = started;
  }
  const watching = guard;
  watching.stdin.write(`watch ${pid}\n`);
  return { release: () => watching.stdin.write(`release ${pid}\n`) };
}

/**
 * Keeps the tail of a stream of chunks without holding all of it: enough beyond the
 * limit that masking can still see a secret that straddles the cut.
 */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;

  constructor(private readonly keep: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.total += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.keep) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    if (all.length <= this.keep) return all.toString('utf8');
    return all
      .subarray(all.length - this.keep)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
  }
}

interface Finished {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  spawnError?: Error;
}

export class ShellRunner implements CommandRunner {
  readonly outputLimit: number;
  private scratchDir: string | undefined;

  constructor(readonly options: ShellOptions = {}) {
    this.outputLimit = options.outputLimit ?? DEFAULT_OUTPUT_LIMIT;
  }

  /** Where commands run; created on first use. */
  get cwd(): string {
    return this.options.cwd ?? (this.scratchDir ??= mkdtempSync(join(tmpdir(), 'rollback-commands-')));
  }

  async run(command: string, options: RunOptions = {}): Promise<ActionRecord> {
    const env: NodeJS.ProcessEnv = { ...(this.options.baseEnv ?? process.env), ...this.options.env, ...options.env };
    const secrets = secretValues(this.options.secretNames ?? [], env);
    const shown = maskSecrets(command, secrets);
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;

    if (this.options.dryRun) {
      return { ok: true, summary: `would run: ${shortCommand(shown)}`, command: shown, dryRun: true };
    }

    const longestSecret = secrets.reduce((max, s) => Math.max(max, Buffer.byteLength(s)), 0);
    const output = new TailBuffer(this.outputLimit + longestSecret);
    const cwd = this.cwd;
    const started = performance.now();
    const finished = await this.spawn(command, cwd, env, output, timeoutMs);
    const durationMs = Math.round(performance.now() - started);

    const text = tail(maskSecrets(output.text(), secrets), this.outputLimit, output.total);
    const facts = { cwd, ...(output.total > this.outputLimit ? { outputBytes: output.total } : {}) };
    const base = { command: shown, output: text };

    if (finished.spawnError) {
      return {
        ...base,
        ok: false,
        summary: `could not run: ${shortCommand(shown)} (${maskSecrets(finished.spawnError.message, secrets)})`,
        details: { error: maskSecrets(finished.spawnError.message, secrets), durationMs, cwd },
      };
    }
    if (finished.timedOut) {
      return {
        ...base,
        ok: false,
        summary: `timed out after ${timeoutMs}ms: ${shortCommand(shown)}`,
        details: { timedOut: true, timeoutMs, durationMs, ...(finished.signal ? { signal: finished.signal } : {}), ...facts },
      };
    }
    if (finished.exitCode === null) {
      return {
        ...base,
        ok: false,
        summary: `killed by ${finished.signal}: ${shortCommand(shown)}`,
        details: { signal: finished.signal, durationMs, ...facts },
      };
    }
    const ok = finished.exitCode === 0;
    return {
      ...base,
      ok,
      exitCode: finished.exitCode,
      summary: ok ? `ran: ${shortCommand(shown)}` : `exit ${finished.exitCode}: ${shortCommand(shown)}`,
      details: { durationMs, ...facts },
    };
  }

  private spawn(command: string, cwd: string, env: NodeJS.ProcessEnv, output: TailBuffer, timeoutMs: number | undefined): Promise<Finished> {
    return new Promise((resolve) => {
      // detached: bash leads a new process group, so the timeout can kill all of it.
      const child = spawn('bash', [...STRICT_BASH, '-c', command], {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const guard = child.pid === undefined ? undefined : guardGroup(child.pid);
      let timedOut = false;
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let killing: Promise<void> = Promise.resolve();
      let done = false;

      const finish = (result: Finished) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(pipeTimer);
        child.stdout?.destroy();
        child.stderr?.destroy();
        guard?.release();
        void killing.then(() => resolve(result));
      };

      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              if (exited) return;
              timedOut = true;
              if (child.pid !== undefined) killing = killGroup(child.pid, this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
            }, timeoutMs);
      let pipeTimer: NodeJS.Timeout | undefined;

      child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
      child.on('error', (spawnError) => finish({ exitCode: null, signal: null, timedOut, spawnError }));
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        // A background child may hold the pipes open; don't wait for it forever.
        pipeTimer = setTimeout(() => finish({ exitCode: code, signal, timedOut }), PIPE_GRACE_MS);
      });
      child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
        finish({ exitCode: exited?.code ?? code, signal: exited?.signal ?? signal, timedOut });
      });
    });
  }
}

/**
 * The directory a run's commands share when its plan names no `adapters.commands.cwd`:
 * `<stateDir>/commands/<workflow id>/<run id>`, fresh for each run, kept for the record.
 */
export function runWorkDir(stateDir: string, execution: { workflowId: string; runId: string }): string {
  const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');
  const dir = join(stateDir, 'commands', safe(execution.workflowId), safe(execution.runId));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A runner configured from the plan's `adapters.commands`. */
export function shellRunnerFor(
  config: CommandsAdapter | undefined,
  options: {
    dryRun?: boolean;
    secretNames?: readonly string[];
    baseEnv?: NodeJS.ProcessEnv;
    defaultTimeoutMs?: number;
    /** The directory for a plan without `cwd` (the run's own); a fresh temporary one when absent. */
    workDir?: () => string | undefined;
  } = {},
): ShellRunner {
  const cwd = config?.cwd ?? (options.dryRun ? undefined : options.workDir?.());
  return new ShellRunner({
    ...(cwd ? { cwd } : {}),
    env: config?.env ?? {},
    secretNames: [...(config?.secretEnv ?? []), ...(options.secretNames ?? [])],
    outputLimit: parseByteSize(config?.outputLimit ?? '4KiB'),
    dryRun: options.dryRun ?? false,
    ...(options.baseEnv ? { baseEnv: options.baseEnv } : {}),
    ...(options.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: options.defaultTimeoutMs } : {}),
  });
}
