// What each step already did, by idempotency key (`${incidentId}/${stepKey}`). Temporal
// retries an activity whose result was lost (worker crash, timeout after the action): the
// retry finds the recorded outcome here and returns it instead of acting a second time.
// One JSON file per key in one folder, each replaced atomically (write, fsync, rename).
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The role the step activities use; tests may hand in a Map-backed one. */
export interface IdempotencyStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

interface LedgerFile {
  key: string;
  value: unknown;
}

export class LedgerKeyCollisionError extends Error {
  readonly type = 'LedgerKeyCollision';
  constructor(readonly key: string, readonly file: string) {
    super(`ledger file ${file} holds another key than "${key}"`);
    this.name = 'LedgerKeyCollisionError';
  }
}

export class FileIdempotencyLedger implements IdempotencyStore {
  constructor(readonly dir: string) {}

  /** A readable, filesystem-safe name: the key's gist plus a hash of all of it. */
  fileFor(key: string): string {
    const gist = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    return join(this.dir, `${gist}.${hash}.json`);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
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
    return content.value as T;
  }

  async put(key: string, value: unknown): Promise<void> {
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
export class MemoryIdempotencyLedger implements IdempotencyStore {
  private readonly entries = new Map<string, string>();

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const text = this.entries.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async put(key: string, value: unknown): Promise<void> {
    this.entries.set(key, JSON.stringify(value));
  }
}
