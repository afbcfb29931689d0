// Step-activity deps over the embedded adapters (real bash, real git, file flag store,
// file ledger) in a temp dir; real-server adapters are fakes handed in by the test.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagStoreFor } from '../../src/adapters/factory';
import { type FlagFile, writeFlagFile } from '../../src/adapters/fileFlagStore';
import { gitSourceControlFor } from '../../src/adapters/git';
import { FileIdempotencyLedger } from '../../src/adapters/idempotencyLedger';
import type { ActionRecord, MetricSample, MetricSource } from '../../src/adapters/roles';
import { shellRunnerFor } from '../../src/adapters/shell';
import { type CheckDeps, createCheckActivities } from '../../src/activities/checks';
import type { InfraAdapters } from '../../src/activities/deps';
import { createPreflightActivities } from '../../src/activities/preflight';
import { createPreRollbackActivities } from '../../src/activities/preRollback';
import { createStepActivities } from '../../src/activities/runStep';
import { probeHttp } from '../../src/adapters/httpCheck';
import { AdaptersSchema } from '../../src/plan/language/plan';
import { StepSchema, type Step } from '../../src/plan/schema';

export interface StepWorld {
  dir: string;
  flagPath: string;
  ledgerDir: string;
  deps: CheckDeps;
  activities: ReturnType<typeof activitiesOf>;
  adapters(extra?: Record<string, unknown>): ReturnType<typeof AdaptersSchema.parse>;
}

/** The step, check, pre-rollback and preflight activities, as the worker builds them. */
function activitiesOf(deps: CheckDeps) {
  return { ...createStepActivities(deps), ...createCheckActivities(deps), ...createPreRollbackActivities(deps), ...createPreflightActivities(deps) };
}

export async function stepWorld(options: { infra?: InfraAdapters; deps?: Partial<CheckDeps>; flags?: Record<string, boolean> } = {}): Promise<StepWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'steps-'));
  const flagPath = join(dir, 'flags.json');
  const ledgerDir = join(dir, 'ledger');
  await writeFlagFile(flagPath, { flags: Object.fromEntries(Object.entries(options.flags ?? {}).map(([k, enabled]) => [k, { enabled }])) });
  const deps: CheckDeps = {
    flagStore: (config, environment) => flagStoreFor(config, environment, flagPath, {}),
    infra: () => options.infra ?? {},
    sourceControl: (adapters) => gitSourceControlFor(adapters.git),
    shell: (adapters, dryRun) => shellRunnerFor(adapters.commands, { dryRun }),
    ledger: new FileIdempotencyLedger(ledgerDir),
    now: () => new Date('2026-11-24T10:00:00Z'),
    probeHttp,
    ...options.deps,
  };
  return {
    dir,
    flagPath,
    ledgerDir,
    deps,
    activities: activitiesOf(deps),
    adapters: (extra = {}) => AdaptersSchema.parse({ flags: { type: 'file', path: flagPath }, commands: { cwd: dir }, ...extra }),
  };
}

/** The flags as the world's flag file holds them now. */
export function flagsIn(world: StepWorld): FlagFile['flags'] {
  return (JSON.parse(readFileSync(world.flagPath, 'utf8')) as FlagFile).flags;
}

export function step(input: Record<string, unknown>): Step {
  return StepSchema.parse(input);
}

export function fakeMetrics(values: Record<string, number | undefined | Error>): MetricSource & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    query(query: string): Promise<MetricSample> {
      queries.push(query);
      const value = values[query];
      if (value instanceof Error) return Promise.reject(value);
      return Promise.resolve({ query, value, at: '2026-11-24T10:00:00.000Z' });
    },
    range(): Promise<never> {
      return Promise.reject(new Error('fakeMetrics answers instant queries (checks) only'));
    },
  };
}

export function recorded(summary: string, details?: Record<string, unknown>): ActionRecord {
  return { ok: true, summary, ...(details ? { details } : {}) };
}
