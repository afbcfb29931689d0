// Steps and checks become actions here, safe to retry. A step with a `command` runs that
// command in the runbook's own world; otherwise the adapter for its type acts, and the
// target is read back: a step whose target does not show its intent fails. Each step of
// each workflow run is guarded (idempotencyLedger.ts) so that a retried activity (its first
// result lost) finds what happened instead of acting twice — and reads the target again
// rather than trusting that record. A dry-run changes nothing anywhere: commands and
// adapter actions are only recorded ("would …").
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import type { FlagChange, FlagStore } from '../adapters/flagStore';
import type { InfraAdapters } from '../adapters/factory';
import { isRelativeRef } from '../adapters/git';
import { stepGuardKey, type IdempotencyStore, type StepLedgerEntry } from '../adapters/idempotencyLedger';
import type { ActionRecord, CommandRunner, MetricSample, MetricSource, Snapshot, SourceControl } from '../adapters/roles';
import { DEFAULT_KILL_GRACE_MS, maskSecrets, secretValues } from '../adapters/shell';
import { parseDuration } from '../plan/duration';
import type { Capture } from '../plan/language/capture';
import { CONFIRM_PLACEHOLDER_PATTERN, type Confirm } from '../plan/language/targets';
import { compare, formatQuantity, parseQuantity, SAMPLE_UNITS, scaled, type SampleUnit } from '../plan/quantity';
import type { Check, CommandCheck, MetricCheck, Plan, Step } from '../plan/schema';
import { atBoundary } from './failures';
import { heartbeating } from './heartbeat';
import { cacheReadBack, checkoutReadBack, flagReadBack, migrationsReadBack, restoreReadBack, trafficReadBack, type ReadBack } from './readBack';

export type { StepLedgerEntry };

export type PlanAdapters = Plan['adapters'];

export type { InfraAdapters };

/** A SourceControl that can also name the commit a ref points at (GitSourceControl can). */
export type PinningSourceControl = SourceControl & { resolveRef?(ref: string): Promise<string | undefined> };

export interface StepDeps {
  flagStore(config: PlanAdapters['flags']): FlagStore;
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

export interface RunStepInput {
  incidentId: string;
  /** The step's place in the run (level run, index, service); with the workflow run, its guard key. */
  stepKey: string;
  step: Step;
  /** The service the step acts on, when the workflow runs it per service. */
  service?: string;
  environment: string;
  dryRun: boolean;
  adapters: PlanAdapters;
  /** Service → its `lastKnownGood.ref`, for `ref: last-known-good`. */
  lastKnownGood?: Record<string, string>;
  /** The plan's `defaults.stepTimeout`, for a step that gives no `timeout`. */
  defaultTimeout?: string;
}

export interface RunCheckInput {
  name: string;
  check: Check;
  dryRun: boolean;
  adapters: PlanAdapters;
}

export const CheckVerdict = {
  Passed: 'passed',
  /** The check ran and said no. */
  Failed: 'failed',
  /** We could not check (metrics unreachable, no data, the command could not start). */
  Error: 'error',
} as const;
export type CheckVerdict = (typeof CheckVerdict)[keyof typeof CheckVerdict];

export interface CheckOutcome {
  verdict: CheckVerdict;
  record: ActionRecord;
  /** A metric check's sample, in the threshold's base unit (fraction, ms or number). */
  value?: number;
}

export interface CaptureStateInput {
  incidentId: string;
  adapters: PlanAdapters;
  capture?: Capture;
}

export interface NamedSample extends MetricSample {
  name: string;
  unit?: SampleUnit;
}

/** A Snapshot, plus what could not be captured (a snapshot never fails the run). */
export interface CapturedState extends Snapshot {
  metrics: NamedSample[];
  problems: string[];
}

export interface TargetToConfirm {
  service: string;
  ref: string;
  image?: string;
}

export interface ConfirmTargetsInput {
  services: TargetToConfirm[];
  adapters: PlanAdapters;
  /** The plan's `targets.confirm`; without it, refs are looked up in `adapters.git`. */
  confirm?: Confirm;
}

export interface TargetConfirmation {
  service: string;
  ref: string;
  exists: boolean;
  detail: string;
  /** Set when we could not find out (the confirm command could not run, the repository is unusable). */
  error?: string;
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

/** Another attempt of the same step of the same run is acting right now; retryable (it may die). */
export class StepInProgressError extends Error {
  readonly type = 'StepInProgress';
  constructor(
    readonly key: string,
    readonly holder: Pick<StepLedgerEntry, 'owner' | 'attempt' | 'startedAt'>,
  ) {
    super(`step ${key} is being acted on by attempt ${holder.attempt} on ${holder.owner} since ${holder.startedAt}; not acting concurrently`);
    this.name = 'StepInProgressError';
  }
}

/** A replayed command's record is the earlier attempt's own: nothing can confirm it. */
export const COMMAND_READ_BACK = "none: a command cannot be read back; this is the earlier attempt's record";

/** This worker, as named in the guard's claims. */
const OWNER = `${hostname()}/${process.pid}`;

/** Step types the workflow performs itself (timers, notifications). */
const WORKFLOW_STEPS: Record<string, string> = {
  wait: 'a workflow timer',
  'traffic.drain': 'workflow timers and the activeRequests activity',
  'notify.slack': 'the workflow notifications',
  'notify.pagerduty': 'the workflow notifications',
  'notify.page': 'the workflow notifications',
};

const LAST_KNOWN_GOOD = 'last-known-good';

/** Values written into a shell command: kept as they are when safe, single-quoted otherwise. */
export function shellValue(value: string): string {
  return /^[A-Za-z0-9._/:@+=,%~^-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function fillConfirmCommand(command: string, target: TargetToConfirm): string {
  const values: Record<string, string> = { service: target.service, ref: target.ref, image: target.image ?? '' };
  return command.replace(CONFIRM_PLACEHOLDER_PATTERN, (whole, name: string) => (name in values ? shellValue(values[name]) : whole));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A command must end before its activity does, or its outcome is lost and the retry runs
 * it again: keep inside the activity's start-to-close timeout, with room for the kill.
 */
function withinActivity(wantedMs: number | undefined): number | undefined {
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

export function createStepActivities(deps: StepDeps) {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();

  function masker(adapters: PlanAdapters): (record: ActionRecord) => ActionRecord {
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

  function infra(adapters: PlanAdapters): InfraAdapters {
    return deps.infra(adapters);
  }

  function need<T>(adapter: T | undefined, stepType: string, key: string): T {
    if (adapter === undefined) throw new InvalidStepError(stepType, `${stepType} needs adapters.${key} (or a command)`);
    return adapter;
  }

  function execution(input: RunStepInput): StepExecution {
    if (deps.execution) return deps.execution();
    let info: ReturnType<typeof Context.current>['info'] | undefined;
    try {
      info = Context.current().info;
    } catch {
      // not running as an activity (tests, tools)
    }
    const run = info?.workflowExecution;
    // Outside a workflow run, the incident stands for the run.
    return { workflowId: run?.workflowId ?? input.incidentId, runId: run?.runId ?? 'outside-temporal', attempt: info?.attempt ?? 1 };
  }

  function serviceOf(input: RunStepInput): string | undefined {
    return ('service' in input.step && input.step.service) || input.service;
  }

  /** The ref a step rolls back to, with `last-known-good` resolved for its service. */
  function refOf(input: RunStepInput, service: string | undefined): string | undefined {
    const step = input.step;
    const ref = 'ref' in step ? step.ref : undefined;
    if (ref !== LAST_KNOWN_GOOD) return ref ?? (service ? input.lastKnownGood?.[service] : undefined);
    if (!service) throw new InvalidStepError(step.type, `${step.type} with ref last-known-good needs a service`);
    const known = input.lastKnownGood?.[service];
    if (!known) throw new InvalidStepError(step.type, `service "${service}" has no lastKnownGood ref for ${step.type}`);
    return known;
  }

  function flagRecord(change: FlagChange, enable: boolean): ActionRecord {
    const state = enable ? 'on' : 'off';
    return {
      ok: true,
      summary: change.changed ? `flag ${change.flag} turned ${state}` : `flag ${change.flag} was already ${state}`,
      details: { ...change },
    };
  }

  interface Planned {
    /** "disable flag x": what the dry-run says it would do. */
    what: string;
    act(pinnedRef: string | undefined): Promise<ActionRecord>;
    /** Reads the target and compares it with the step's intent; commands have none. */
    readBack?(pinnedRef: string | undefined): Promise<ReadBack>;
    /** False for an action that must not run twice when nothing can tell whether it ran (a restore). */
    repeatable?: boolean;
    /** A relative git ref to pin before acting, so a retry acts on the same commit. */
    pin?: { sourceControl: PinningSourceControl; ref: string };
  }

  /** What a step without a command does, or why it cannot run. Checks configuration only; acts on nothing. */
  function adapterAction(input: RunStepInput, service: string | undefined, ref: string | undefined): Planned {
    const { step, adapters } = input;
    const by = `rollback ${input.incidentId}`;
    const sourceControl = () => need(deps.sourceControl(adapters), step.type, 'git');
    switch (step.type) {
      case 'flag.disable':
      case 'flag.enable': {
        const enable = step.type === 'flag.enable';
        const store = deps.flagStore(adapters.flags);
        return {
          what: `${enable ? 'enable' : 'disable'} flag ${step.flag}`,
          act: async () => flagRecord(enable ? await store.enable(step.flag, by) : await store.disable(step.flag, by), enable),
          readBack: async () => flagReadBack(step.flag, enable, await store.isEnabled(step.flag), store.location),
        };
      }
      case 'traffic.shift': {
        const traffic = need(infra(adapters).traffic, step.type, 'traffic');
        if (!service) throw new InvalidStepError(step.type, 'traffic.shift needs a service');
        return {
          what: `shift ${step.percent}% of ${service} traffic to ${step.to}`,
          act: () => traffic.shift(service, step.to, step.percent),
          readBack: async () => trafficReadBack(service, step.to, step.percent, await traffic.readBack(service)),
        };
      }
      case 'config.revert':
      case 'git.checkout': {
        const git = sourceControl();
        const paths = step.type === 'config.revert' ? [step.path] : step.paths;
        return {
          what: step.type === 'config.revert' ? `restore ${step.path} from ${ref}` : `check out ${ref}${paths ? ` -- ${paths.join(' ')}` : ''}`,
          act: (pinned) => git.checkout(pinned ?? ref!, paths),
          readBack: async (pinned) => {
            const commit = pinned ?? (await git.resolveRef?.(ref!)) ?? ref!;
            const head = (await git.currentCommit()).commit;
            return checkoutReadBack(ref!, commit, head, paths, paths?.length ? await git.differingFrom(commit, paths) : []);
          },
          pin: { sourceControl: git, ref: ref! },
        };
      }
      case 'cache.flush': {
        const cache = need(infra(adapters).cache, step.type, 'cache');
        return {
          what: `flush cache ${step.cache}`,
          act: () => cache.flush(step.cache),
          readBack: async () => cacheReadBack(step.cache, await cache.size(step.cache)),
        };
      }
      case 'db.migrateDown': {
        const database = need(infra(adapters).database, step.type, 'database');
        return {
          what: `migrate the database down to ${step.to}`,
          act: () => database.migrateDown(step.to),
          readBack: async () => migrationsReadBack(step.to, await database.readBack()),
        };
      }
      case 'db.restore': {
        const database = need(infra(adapters).database, step.type, 'database');
        return {
          what: `restore the database from ${step.backup}`,
          act: () => database.restore(step.backup),
          readBack: async () => restoreReadBack(step.backup, await database.readBack()),
          // A second restore would drop what was written since the first: a person decides.
          repeatable: false,
        };
      }
      default:
        // deploy.run, service.*: only the runbook knows how; command.run always has one.
        throw new InvalidStepError(step.type, `${step.type} needs a command`);
    }
  }

  function commandAction(input: RunStepInput, command: string, service: string | undefined, ref: string | undefined): Planned {
    const env = {
      ROLLBACK_INCIDENT_ID: input.incidentId,
      ROLLBACK_STEP_KEY: input.stepKey,
      ROLLBACK_SERVICE: service ?? '',
      ROLLBACK_ENVIRONMENT: input.environment,
      ROLLBACK_REF: ref ?? '',
    };
    const wanted = input.step.timeout ?? input.defaultTimeout;
    const timeoutMs = withinActivity(wanted ? parseDuration(wanted) : undefined);
    return {
      what: `run ${command}`,
      act: () => deps.shell(input.adapters, input.dryRun).run(command, { env, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
    };
  }

  async function runStep(input: RunStepInput): Promise<ActionRecord> {
    const { step } = input;
    const handledBy = WORKFLOW_STEPS[step.type];
    if (handledBy) throw new InvalidStepError(step.type, `${step.type} steps are run by ${handledBy}, not by runStep`);
    const service = serviceOf(input);
    const ref = refOf(input, service);
    const command = step.command;
    const planned = command ? commandAction(input, command, service, ref) : adapterAction(input, service, ref);
    const mask = masker(input.adapters);

    if (input.dryRun) {
      // The shell records "would run" itself; adapters are not called at all.
      if (command) return mask({ ...(await planned.act(undefined)), dryRun: true });
      return mask({ ok: true, summary: `would ${planned.what}`, dryRun: true, details: { ...(ref ? { ref } : {}) } });
    }

    const run = execution(input);
    const key = stepGuardKey({ workflowId: run.workflowId, runId: run.runId, stepKey: input.stepKey, service });
    const pin = planned.pin && isRelativeRef(planned.pin.ref) ? await planned.pin.sourceControl.resolveRef?.(planned.pin.ref) : undefined;
    const claim = await deps.ledger.claim(key, { owner: OWNER, attempt: run.attempt, startedAt: now(), ...(pin ? { pinnedRef: pin } : {}) });
    if (!claim.held) throw new StepInProgressError(key, claim.entry);
    const { entry, previous } = claim;
    // A retry acts on the commit the first attempt named.
    const pinnedRef = entry.pinnedRef;
    const pinned = pinnedRef ? { pinnedRef } : {};
    const settle = async (outcome: Partial<StepLedgerEntry>) => {
      await deps.ledger.settle(key, { ...entry, ...outcome, finishedAt: now() });
    };

    let note: string | undefined;
    if (previous) {
      const revisited = await revisit(planned, previous, pinnedRef);
      if ('record' in revisited) {
        await settle({ status: 'done', record: revisited.record });
        return revisited.record;
      }
      note = revisited.note;
    }

    let record: ActionRecord;
    try {
      record = mask(await planned.act(previous ? pinnedRef : undefined));
    } catch (err) {
      await settle({ status: 'failed', error: errorMessage(err) });
      throw err;
    }
    if (planned.readBack) record = confirmed(record, planned, await readTarget(planned.readBack, pinnedRef));
    if (previous?.status === 'started' || note)
      record = { ...record, details: { ...record.details, resumed: true, ...(note ? { guard: note } : {}), ...pinned } };
    else if (pinnedRef) record = { ...record, details: { ...record.details, ...pinned } };
    await settle({ status: 'done', record });
    return record;
  }

  /**
   * After an earlier attempt of this run finished (its result never reached the workflow)
   * or died mid-step, the target is asked rather than the ledger trusted: the record to
   * return when the target shows the step done, or why the step acts (again).
   */
  async function revisit(planned: Planned, previous: StepLedgerEntry, pinnedRef: string | undefined): Promise<{ record: ActionRecord } | { note?: string }> {
    if (previous.status === 'failed') return {}; // it threw: the action is retried
    const earlier = previous.record;
    const pinned = pinnedRef ? { pinnedRef } : {};
    if (!planned.readBack) {
      if (!earlier) return {}; // a command that died mid-step runs again (resumed)
      return { record: { ...earlier, details: { ...earlier.details, replayed: true, readBack: COMMAND_READ_BACK } } };
    }
    const target = await readTarget(planned.readBack, pinnedRef);
    const read = 'error' in target ? undefined : target;
    const readBack = 'error' in target ? { error: target.error } : target.state;
    if (read?.holds === false) {
      return {
        note: earlier
          ? `the guard recorded "${earlier.summary}" but ${read.says}: acted again`
          : `an earlier attempt ended without a result and ${read.says}: acted again`,
      };
    }
    if (earlier) return { record: { ...earlier, details: { ...earlier.details, replayed: true, readBack, ...pinned } } };
    if (read?.holds === true) {
      return {
        record: {
          ok: true,
          summary: `${planned.what}: done by an earlier attempt that ended without a result; ${read.says}`,
          details: { resumed: true, readBack, ...pinned },
        },
      };
    }
    // The earlier attempt died mid-step and the target cannot tell whether it took.
    if (planned.repeatable === false) {
      const says = 'error' in target ? `the target cannot be read: ${target.error}` : target.says;
      return {
        record: {
          ok: false,
          summary: `${planned.what}: an earlier attempt ended without a result and nothing tells whether it took (${says}); not repeated`,
          details: { resumed: true, readBack },
        },
      };
    }
    return {}; // repeating is harmless: act again (resumed)
  }

  /** The target's answer, or why it could not be read (a read that fails is not a contradiction). */
  async function readTarget(read: NonNullable<Planned['readBack']>, pinnedRef: string | undefined): Promise<ReadBack | { error: string }> {
    try {
      return await read(pinnedRef);
    } catch (err) {
      return { error: errorMessage(err) };
    }
  }

  /** The action's record with what the target says; a contradiction fails the step in the target's words. */
  function confirmed(record: ActionRecord, planned: Planned, target: ReadBack | { error: string }): ActionRecord {
    if ('error' in target) return { ...record, details: { ...record.details, readBack: { error: target.error } } };
    if (target.holds !== false || !record.ok) return { ...record, details: { ...record.details, readBack: target.state } };
    return {
      ...record,
      ok: false,
      summary: `${planned.what} did not take: ${target.says}`,
      details: { ...record.details, reported: record.summary, readBack: target.state },
    };
  }

  async function commandCheck(input: RunCheckInput, check: CommandCheck): Promise<CheckOutcome> {
    const timeoutMs = withinActivity(parseDuration(check.timeout));
    const run = await deps.shell(input.adapters, input.dryRun).run(check.command, {
      env: { ROLLBACK_CHECK: input.name },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    const record = masker(input.adapters)(run);
    if (record.dryRun) return { verdict: CheckVerdict.Passed, record: { ...record, summary: `${input.name}: ${record.summary}` } };
    if (record.exitCode === undefined) {
      // A smoke test that does not finish in its time did not pass; one that could not start told us nothing.
      const timedOut = record.details?.timedOut === true;
      return { verdict: timedOut ? CheckVerdict.Failed : CheckVerdict.Error, record: { ...record, ok: false, summary: `${input.name}: ${record.summary}` } };
    }
    const passed = record.exitCode === check.expectExit;
    const expected = check.expectExit === 0 ? '' : ` (expected ${check.expectExit})`;
    return {
      verdict: passed ? CheckVerdict.Passed : CheckVerdict.Failed,
      record: { ...record, ok: passed, summary: `${input.name} ${passed ? 'passed' : 'failed'}: exit ${record.exitCode}${expected}` },
    };
  }

  async function metricCheck(input: RunCheckInput, check: MetricCheck): Promise<CheckOutcome> {
    const threshold = parseQuantity(check.threshold);
    const condition = `${check.query} ${check.op} ${check.threshold}`;
    const details = { query: check.query, op: check.op, threshold: check.threshold, ...(check.sampleUnit ? { sampleUnit: check.sampleUnit } : {}) };
    const error = (why: string): CheckOutcome => ({
      verdict: CheckVerdict.Error,
      record: { ok: false, summary: `${input.name} could not be checked: ${why}`, details },
    });
    if (input.dryRun) {
      return { verdict: CheckVerdict.Passed, record: { ok: true, summary: `${input.name}: would check ${condition}`, dryRun: true, details } };
    }
    const metrics = infra(input.adapters).metrics;
    if (!metrics) return error('metric checks need adapters.metrics');
    let sample: MetricSample;
    try {
      sample = await metrics.query(check.query);
    } catch (err) {
      return error(errorMessage(err));
    }
    if (sample.value === undefined || !Number.isFinite(sample.value)) return error(`the query returned no data at ${sample.at}`);
    const value = scaled(sample.value, SAMPLE_UNITS[check.sampleUnit ?? 'ratio']);
    const passed = compare(value, check.op, threshold.value);
    return {
      verdict: passed ? CheckVerdict.Passed : CheckVerdict.Failed,
      value,
      record: {
        ok: passed,
        summary: passed
          ? `${input.name} passed: ${formatQuantity(value, threshold.kind)} ${check.op} ${check.threshold}`
          : `${input.name} failed: ${formatQuantity(value, threshold.kind)}, wanted ${check.op} ${check.threshold}`,
        details: { ...details, sample: sample.value, at: sample.at, value },
      },
    };
  }

  return {
    /** Performs one step (its command, or its adapter), once per idempotency key. */
    async runStep(input: RunStepInput): Promise<ActionRecord> {
      return atBoundary(() => heartbeating(() => runStep(input)));
    },

    /** One attempt of a command or metric check; HTTP checks have their own activity. */
    async runCheck(input: RunCheckInput): Promise<CheckOutcome> {
      return atBoundary(async () => {
        const { check } = input;
        switch (check.type) {
          case 'command':
            return commandCheck(input, check);
          case 'metric':
            return metricCheck(input, check);
          default:
            throw new InvalidStepError('check', `${input.name}: ${check.type} checks run through the httpCheck activity, not runCheck`);
        }
      });
    },

    /** Seed 004 §1.3: the deployed commit, metric samples and recent logs; parts that fail are listed, never thrown. */
    async captureState(input: CaptureStateInput): Promise<CapturedState> {
      return atBoundary(async () => {
        const snapshot: CapturedState = { at: now(), metrics: [], problems: [] };
        const capture = input.capture;
        if (!capture) return snapshot;
        const mask = masker(input.adapters);
        if (capture.commit) {
          try {
            const git = deps.sourceControl(input.adapters);
            if (!git) snapshot.problems.push('commit: the plan names no repository (adapters.git)');
            else snapshot.commit = await git.currentCommit();
          } catch (err) {
            snapshot.problems.push(`commit: ${errorMessage(err)}`);
          }
        }
        if (capture.metrics.length > 0) {
          let metrics: MetricSource | undefined;
          try {
            metrics = infra(input.adapters).metrics;
          } catch (err) {
            snapshot.problems.push(`metrics: ${errorMessage(err)}`);
          }
          for (const m of capture.metrics) {
            const unit = m.sampleUnit ? { unit: m.sampleUnit } : {};
            if (!metrics) {
              snapshot.metrics.push({ name: m.name, query: m.query, value: undefined, at: now(), ...unit });
              continue;
            }
            try {
              snapshot.metrics.push({ ...(await metrics.query(m.query)), name: m.name, ...unit });
            } catch (err) {
              snapshot.metrics.push({ name: m.name, query: m.query, value: undefined, at: now(), ...unit });
              snapshot.problems.push(`metric ${m.name}: ${errorMessage(err)}`);
            }
          }
          if (!metrics && !snapshot.problems.some((p) => p.startsWith('metrics:'))) {
            snapshot.problems.push('metrics: the plan names no metric source (adapters.metrics)');
          }
        }
        if (capture.logs) {
          const timeoutMs = withinActivity(parseDuration(capture.logs.timeout));
          const record = mask(
            await deps.shell(input.adapters, false).run(capture.logs.command, {
              env: { ROLLBACK_INCIDENT_ID: input.incidentId },
              ...(timeoutMs === undefined ? {} : { timeoutMs }),
            }),
          );
          if (record.output !== undefined) snapshot.logs = record.output;
          if (!record.ok) snapshot.problems.push(`logs: ${record.summary}`);
        }
        return snapshot;
      });
    },

    /** Seed 003 §4.2: does each rollback target exist (image, tag) before anything rolls back? */
    async confirmTargets(input: ConfirmTargetsInput): Promise<TargetConfirmation[]> {
      return atBoundary(async () => {
        const results: TargetConfirmation[] = [];
        const confirm = input.confirm;
        if (confirm) {
          const shell = deps.shell(input.adapters, false);
          const mask = masker(input.adapters);
          const timeoutMs = withinActivity(parseDuration(confirm.timeout));
          for (const target of input.services) {
            const record = mask(
              await shell.run(fillConfirmCommand(confirm.command, target), {
                env: { ROLLBACK_SERVICE: target.service, ROLLBACK_REF: target.ref, ROLLBACK_IMAGE: target.image ?? '' },
                ...(timeoutMs === undefined ? {} : { timeoutMs }),
              }),
            );
            const output = record.output?.trim();
            if (record.exitCode === undefined) {
              results.push({ service: target.service, ref: target.ref, exists: false, detail: output || record.summary, error: record.summary });
            } else {
              const exists = record.exitCode === 0;
              results.push({
                service: target.service,
                ref: target.ref,
                exists,
                detail: output || (exists ? 'confirmed (exit 0)' : `not confirmed (exit ${record.exitCode})`),
              });
            }
          }
          return results;
        }
        const git = deps.sourceControl(input.adapters);
        if (!git) throw new InvalidStepError('confirmTargets', 'confirming rollback targets needs targets.confirm or adapters.git');
        for (const target of input.services) {
          try {
            const exists = await git.refExists(target.ref);
            results.push({ service: target.service, ref: target.ref, exists, detail: `${target.ref} ${exists ? 'exists' : 'not found'} in git` });
          } catch (err) {
            results.push({ service: target.service, ref: target.ref, exists: false, detail: errorMessage(err), error: errorMessage(err) });
          }
        }
        return results;
      });
    },

    /** In-flight requests on the pool being drained (traffic.drain's `maxActive`). */
    async activeRequests(input: { adapters: PlanAdapters; service: string }): Promise<number> {
      return atBoundary(async () => {
        const traffic = infra(input.adapters).traffic;
        if (!traffic) throw new InvalidStepError('traffic.drain', 'traffic.drain with maxActive needs adapters.traffic');
        return traffic.activeRequests(input.service);
      });
    },
  };
}

export type StepActivities = ReturnType<typeof createStepActivities>;
