// Keeps one child process of `npm start` running: when it exits without being asked to, it
// is started again after a backoff (1 s, doubling to 30 s; back to 1 s once a run has
// stayed up for a minute), and the others are left alone.
import type { ChildProcess } from 'node:child_process';
import { stopChild } from './devServer';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run that lasted this long was healthy: the next restart waits `initialMs` again. */
  healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, healthyAfterMs: 60_000 };

export interface SupervisedOptions {
  name: string;
  /** Starts the process and returns it once it is up (or throws when it could not start). */
  start(): ChildProcess | Promise<ChildProcess>;
  log(line: string): void;
  backoff?: Backoff;
}

export class Supervised {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly backoff: Backoff;
  private delayMs: number;
  restarts = 0;

  constructor(private readonly options: SupervisedOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delayMs = this.backoff.initialMs;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The first start: a failure here is the caller's (nothing is retried yet). */
  async start(): Promise<void> {
    await this.launch();
    this.options.log(`${this.options.name} started (pid ${this.pid})`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.child) await stopChild(this.child);
  }

  private async launch(): Promise<void> {
    const child = await this.options.start();
    this.child = child;
    const startedAt = Date.now();
    const exited = (code: number | null, signal: NodeJS.Signals | null) => this.exited(startedAt, `exited (${signal ?? `exit code ${code}`})`);
    if (child.exitCode !== null || child.signalCode !== null) exited(child.exitCode, child.signalCode);
    else child.once('exit', exited);
  }

  /** `what`: "exited (SIGKILL)", "could not start (…)". */
  private exited(startedAt: number, what: string): void {
    if (this.stopping) return;
    if (Date.now() - startedAt >= this.backoff.healthyAfterMs) this.delayMs = this.backoff.initialMs;
    const wait = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.options.log(`${this.options.name} ${what}; restarting in ${wait / 1000}s`);
    this.timer = setTimeout(() => void this.restart(), wait);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.launch();
    } catch (err) {
      this.exited(Date.now(), `could not start (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    if (this.stopping) {
      await stopChild(this.child!);
      return;
    }
    this.restarts++;
    this.options.log(`${this.options.name} restarted (pid ${this.pid}, restart ${this.restarts})`);
  }
}
