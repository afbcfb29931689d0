// The step guard: what each step of each run did, so a retried activity never acts twice.
// Keys name one step of one workflow run (see stepGuardKey); a claim is taken before the
// step acts and settled with its outcome after. Temporal starts attempt N+1 only after
// attempt N failed or timed out, so a 'started' claim of an earlier attempt belongs to an
// attempt that died mid-step and may be taken over; a 'started' claim of the same (or a
// later) attempt is someone acting right now, and is never acted on concurrently.
//
// Two stores: one JSON file per key in the worker's STATE_DIR (the embedded default, for
// one worker), and PostgreSQL (idempotencyLedgerPostgres.ts) shared by workers on many machines.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionRecord } from './roles';

/** One step of one run: the workflow, its run, the step's place (level run, index) and the service it acts on. */
export interface StepRunKey {
  workflowId: string;
  runId: string;
  stepKey: string;
  service?: string | undefined;
}

export function stepGuardKey(key: StepRunKey): string {
  return [key.workflowId, key.runId, key.stepKey, ...(key.service ? [key.service] : [])].join('/');
}

/**
 * What a step left in the guard: `started` before it acts, `done` with the outcome after,
 * `failed` when the attempt threw (Temporal may retry it).
 */
export interface StepLedgerEntry {
  status: 'started' | 'done' | 'failed';
  /** The worker (host/pid) of the attempt that holds or held the claim. */
  owner: string;
  /** Temporal's attempt number of that activity. */
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  error?: string;
  /** The commit a relative ref (HEAD~1) named when the first attempt started. */
  pinnedRef?: string;
  record?: ActionRecord;
}

export interface ClaimRequest {
  owner: string;
  attempt: number;
  startedAt: string;
  pinnedRef?: string;
}

export type Claim =
  /** This attempt holds the step. `previous` is the entry it took over (an earlier attempt's). */
  | { held: true; entry: StepLedgerEntry; previous?: StepLedgerEntry }
  /** Another attempt is acting on the step right now. */
  | { held: false; entry: StepLedgerEntry };

export interface IdempotencyStore {
  /** Atomically: records a 'started' claim, or takes one over (mayTakeOver), or says who holds it. */
  claim(key: string, request: ClaimRequest): Promise<Claim>;
  /** Records the outcome; false when another attempt has taken the claim over meanwhile. */
  settle(key: string, entry: StepLedgerEntry): Promise<boolean>;
  get(key: string): Promise<StepLedgerEntry | undefined>;
  /** Prepares the store (a shared one checks its server at worker boot). */
  open?(): Promise<void>;
  close?(): Promise<void>;
}

/** A finished attempt's entry, or one started by an earlier attempt (which Temporal gave up on). */
export function mayTakeOver(existing: StepLedgerEntry, attempt: number): boolean {
  return existing.status !== 'started' || (existing.attempt ?? 0) < attempt;
}

/**
 * The entry after `request` takes `existing` over: the first attempt's start and pin stay, and
 * so does an outcome an earlier attempt recorded (a replaying attempt may die too).
 */
export function takenOver(existing: StepLedgerEntry, request: ClaimRequest): StepLedgerEntry {
  const pinnedRef = existing.pinnedRef ?? request.pinnedRef;
  return {
    status: 'started',
    owner: request.owner,
    attempt: request.attempt,
    startedAt: existing.startedAt,
    ...(pinnedRef ? { pinnedRef } : {}),
    ...(existing.record && existing.status !== 'failed' ? { record: existing.record } : {}),
  };
}

export function freshClaim(request: ClaimRequest): StepLedgerEntry {
  return {
    status: 'started',
    owner: request.owner,
    attempt: request.attempt,
    startedAt: request.startedAt,
    ...(request.pinnedRef ? { pinnedRef: request.pinnedRef } : {}),
  };
}

/** Claim and settle by read-decide-write over get/put, one key at a time in this process (a single worker's stores). */
abstract class LocalStore implements IdempotencyStore {
  private readonly turns = new Map<string, Promise<unknown>>();

  abstract get(key: string): Promise<StepLedgerEntry | undefined>;
  protected abstract put(key: string, entry: StepLedgerEntry): Promise<void>;

  claim(key: string, request: ClaimRequest): Promise<Claim> {
    return this.inTurn(key, async () => {
      const existing = await this.get(key);
      if (!existing) {
        const entry = freshClaim(request);
        await this.put(key, entry);
        return { held: true, entry };
      }
      if (!mayTakeOver(existing, request.attempt)) return { held: false, entry: existing };
      const entry = takenOver(existing, request);
      await this.put(key, entry);
      return { held: true, entry, previous: existing };
    });
  }

  settle(key: string, entry: StepLedgerEntry): Promise<boolean> {
    return this.inTurn(key, async () => {
      const current = await this.get(key);
      if (current && (current.owner !== entry.owner || current.attempt !== entry.attempt)) return false;
      await this.put(key, entry);
      return true;
    });
  }

  private inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.turns.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return run;
  }
}

interface LedgerFile {
  key: string;
  value: StepLedgerEntry;
}

export class LedgerKeyCollisionError extends Error {
  readonly type = 'LedgerKeyCollision';
  constructor(
    readonly key: string,
    readonly file: string,
  ) {
    super(`ledger file ${file} holds another key than "${key}"`);
    this.name = 'LedgerKeyCollisionError';
  }
}

/** One JSON file per key in one folder, each replaced atomically (write, fsync, rename). */
export class FileIdempotencyLedger extends LocalStore {
  constructor(readonly dir: string) {
    super();
  }

  /** A readable, filesystem-safe name: the key's gist plus a hash of all of it. */
  fileFor(key: string): string {
    const gist = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    return join(this.dir, `${gist}.${hash}.json`);
  }

  async get(key: string): Promise<StepLedgerEntry | undefined> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const content = JSON.parse(text) as LedgerFile;
    if (content.key !== key) throw new LedgerKeyCollisionError(key, file);
    return content.value;
  }

  protected async put(key: string, value: StepLedgerEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileFor(key);
    const temp = `${file}.${randomUUID()}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify({ key, value } satisfies LedgerFile, null, 2) + '\n', 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}

/** For tests and for workers that accept at-most-once-per-process. */
export class MemoryIdempotencyLedger extends LocalStore {
  private readonly entries = new Map<string, string>();

  get(key: string): Promise<StepLedgerEntry | undefined> {
    const text = this.entries.get(key);
    return Promise.resolve(text === undefined ? undefined : (JSON.parse(text) as StepLedgerEntry));
  }

  protected put(key: string, value: StepLedgerEntry): Promise<void> {
    this.entries.set(key, JSON.stringify(value));
    return Promise.resolve();
  }
}
