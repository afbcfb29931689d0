// What every step, check and pre-rollback activity is built from, and the helpers they
// share: the adapters the plan names, the step guard, secret masking, a command's time
// budget inside its activity.
import { Context } from '@temporalio/activity';
import type { FlagStore } from '../adapters/flagStore';
import type { InfraAdapters } from '../adapters/factory';
import type { IdempotencyStore } from '../adapters/idempotencyLedger';
import type { ActionRecord, CommandRunner, SourceControl } from '../adapters/roles';
import { DEFAULT_KILL_GRACE_MS, maskSecrets, secretValues } from '../adapters/shell';
import type { Plan } from '../plan/schema';

export type PlanAdapters = Plan['adapters'];

export type { InfraAdapters };

/** A SourceControl that can also name the commit a ref points at, and find tags by pattern (GitSourceControl can). */
export type PinningSourceControl = SourceControl & {
  resolveRef?(ref: string): Promise<string | undefined>;
  newestTag?(pattern: string): Promise<{ tag: string; commit: string } | undefined>;
};

export interface StepDeps {
  /** The plan's flag store, acting in the run's environment. */
  flagStore(config: PlanAdapters['flags'], environment: string): FlagStore;
  infra(adapters: PlanAdapters): InfraAdapters;
  /** Undefined when the plan names no repository (`adapters.git`). */
  sourceControl(adapters: PlanAdapters): PinningSourceControl | undefined;
  /** A runner for the plan's `adapters.commands`; in dry-run it only records. */
  shell(adapters: PlanAdapters, dryRun: boolean): CommandRunner;
  /** The step guard: a file in STATE_DIR for one worker, PostgreSQL for many. */
  ledger: IdempotencyStore;
  /** The activity's workflow run and attempt; read from the activity context by default. */
  execution?: () => StepExecution;
  /** Environment variables whose values never reach a record, besides the plan's `adapters.commands.secretEnv`. */
  secretNames?: readonly string[];
  /** Where secret values are read for masking; `process.env` by default. */
  env?: Record<string, string | undefined>;
  now?: () => Date;
}

/** Which workflow run a step belongs to, and Temporal's attempt number of this activity. */
export interface StepExecution {
  workflowId: string;
  runId: string;
  attempt: number;
}

/** A step or check this activity cannot run: configuration is missing, or the workflow runs it. Not retryable. */
export class InvalidStepError extends Error {
  readonly type = 'InvalidStep';
  constructor(
    readonly stepType: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidStepError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isoNow(deps: Pick<StepDeps, 'now'>): string {
  return (deps.now ?? (() => new Date()))().toISOString();
}

/** Masks the values of the worker's and the plan's secret variables anywhere in a record. */
export function masker(deps: StepDeps, adapters: PlanAdapters): (record: ActionRecord) => ActionRecord {
  const names = [...(deps.secretNames ?? []), ...(adapters.commands?.secretEnv ?? [])];
  const secrets = secretValues(names, deps.env ?? process.env, adapters.commands?.env);
  if (secrets.length === 0) return (record) => record;
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return maskSecrets(value, secrets);
    if (Array.isArray(value)) return value.map(deep);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]));
    return value;
  };
  return (record) => deep(record) as ActionRecord;
}

/**
 * A command must end before its activity does, or its outcome is lost and the retry runs
 * it again: keep inside the activity's start-to-close timeout, with room for the kill.
 */
export function withinActivity(wantedMs: number | undefined): number | undefined {
  let total: number | undefined;
  try {
    total = Context.current().info.startToCloseTimeoutMs || undefined;
  } catch {
    return wantedMs; // not running as an activity (tests, CLI)
  }
  if (total === undefined) return wantedMs;
  const budget = Math.max(1, total - Math.min(total / 4, DEFAULT_KILL_GRACE_MS + 3000));
  return wantedMs === undefined ? budget : Math.min(wantedMs, budget);
}

/** `{ timeoutMs }` when there is a limit, for spreading into a command's options. */
export function timeoutOption(timeoutMs: number | undefined): { timeoutMs?: number } {
  return timeoutMs === undefined ? {} : { timeoutMs };
}
