// The embedded default flag store: a JSON file, replaced atomically (write + rename) so a
// reader never sees half a file and a crash never leaves one.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type FlagChange, type FlagRollout, type FlagState, type FlagStore, hasRollout, type RolloutChange, UnknownFlagError } from './flagStore';

export interface FlagRecord {
  enabled: boolean;
  /** Share of users it is on for (whole percent); 100 when absent. */
  rollout?: number;
  /** The variant everyone it is on for gets. */
  variant?: string;
  updatedAt?: string;
  updatedBy?: string;
}

export interface FlagFile {
  flags: Record<string, FlagRecord>;
}

// Writers in this process take turns per file; a read-modify-write must not interleave.
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous.then(work, work);
  queues.set(
    path,
    next.catch(() => undefined),
  );
  return next;
}

export async function readFlagFile(path: string): Promise<FlagFile> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as FlagFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { flags: {} };
    throw err;
  }
}

export async function writeFlagFile(path: string, content: FlagFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, JSON.stringify(content, null, 2) + '\n', 'utf8');
  await rename(temp, path);
}

export class FileFlagStore implements FlagStore {
  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get location(): string {
    return `the flag file ${this.path}`;
  }

  async isEnabled(flag: string): Promise<boolean> {
    return (await this.state(flag)).enabled;
  }

  async state(flag: string): Promise<FlagState> {
    const record = (await readFlagFile(this.path)).flags[flag];
    if (!record) throw new UnknownFlagError(flag, this.path);
    return stateOf(record);
  }

  rollout(flag: string, rollout: FlagRollout, by: string): Promise<RolloutChange> {
    return serialized(this.path, async () => {
      const content = await readFlagFile(this.path);
      const record = content.flags[flag];
      if (!record) throw new UnknownFlagError(flag, this.path);
      const previous = stateOf(record);
      if (hasRollout(previous, rollout)) return { flag, changed: false, previous };
      content.flags[flag] = {
        ...record,
        enabled: true,
        ...(rollout.percent === undefined ? {} : { rollout: rollout.percent }),
        ...(rollout.variant === undefined ? {} : { variant: rollout.variant }),
        updatedAt: this.now().toISOString(),
        updatedBy: by,
      };
      await writeFlagFile(this.path, content);
      return { flag, changed: true, previous };
    });
  }

  disable(flag: string, by: string): Promise<FlagChange> {
    return this.set(flag, false, by);
  }

  enable(flag: string, by: string): Promise<FlagChange> {
    return this.set(flag, true, by);
  }

  private set(flag: string, enabled: boolean, by: string): Promise<FlagChange> {
    return serialized(this.path, async () => {
      const content = await readFlagFile(this.path);
      const record = content.flags[flag];
      if (!record) throw new UnknownFlagError(flag, this.path);
      if (record.enabled === enabled) return { flag, changed: false, previous: enabled };
      content.flags[flag] = { ...record, enabled, updatedAt: this.now().toISOString(), updatedBy: by };
      await writeFlagFile(this.path, content);
      return { flag, changed: true, previous: !enabled };
    });
  }
}

function stateOf(record: FlagRecord): FlagState {
  return { enabled: record.enabled, percent: record.rollout ?? 100, variant: record.variant };
}
