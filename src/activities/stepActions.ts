// What a step does to its target, per step type (the registry's adapter steps), or the
// runbook's command when the step gives one: the action, and how the target is read back
// afterwards. Building an action checks configuration only; nothing acts until `act`.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeRollout, type FlagChange, type FlagRollout, type RolloutChange } from '../adapters/flagStore';
import type { ActionRecord } from '../adapters/roles';
import { parseDuration } from '../plan/duration';
import type { Step } from '../plan/schema';
import { type AdapterStepType, stepInfo, type StepOf } from '../plan/stepTypes';
import { type InfraAdapters, InvalidStepError, type PinningSourceControl, type PlanAdapters, type StepDeps, timeoutOption, withinActivity } from './deps';
import {
  backupReadBack,
  cacheReadBack,
  checkoutReadBack,
  flagReadBack,
  migrationsReadBack,
  restoreReadBack,
  rolloutReadBack,
  trafficReadBack,
  type ReadBack,
} from './readBack';

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
  /** Service → its last known good (the plan's ref, or the tag its pattern resolved to), for `ref: last-known-good`. */
  lastKnownGood?: Record<string, string>;
  /** The plan's `defaults.stepTimeout`, for a step that gives no `timeout`. */
  defaultTimeout?: string;
}

export interface StepAction {
  /** "disable flag x": what the dry-run says it would do. */
  what: string;
  act: (pinnedRef: string | undefined) => Promise<ActionRecord>;
  /** Reads the target and compares it with the step's intent; commands have none. */
  readBack?: (pinnedRef: string | undefined) => Promise<ReadBack>;
  /** False for an adapter action that must not run twice when its read-back cannot tell whether it ran (a restore). */
  repeatable?: boolean;
  /** A relative git ref to pin before acting, so a retry acts on the same commit. */
  pin?: { sourceControl: PinningSourceControl; ref: string };
}

/** Where a step acts: its service and the ref it rolls back to, both resolved. */
export interface StepTarget {
  input: RunStepInput;
  service: string | undefined;
  ref: string | undefined;
  /** Who the target records as the changer. */
  by: string;
}

const LAST_KNOWN_GOOD = 'last-known-good';

function flagRecord(change: FlagChange, enable: boolean): ActionRecord {
  const state = enable ? 'on' : 'off';
  return {
    ok: true,
    summary: change.changed ? `flag ${change.flag} turned ${state}` : `flag ${change.flag} was already ${state}`,
    details: { ...change },
  };
}

function rolloutRecord(change: RolloutChange, rollout: FlagRollout): ActionRecord {
  const text = describeRollout(rollout);
  return {
    ok: true,
    summary: change.changed ? `flag ${change.flag} rolled out to ${text}` : `flag ${change.flag} was already rolled out to ${text}`,
    details: { ...change, ...rollout },
  };
}

/** The incident's folder in the plan's backups folder, and a file per step there: a retry of the step writes the same file. */
function backupFile(input: RunStepInput): string {
  const dir = input.adapters.database?.backups?.dir;
  if (!dir) throw new InvalidStepError('db.backup', 'db.backup writes into adapters.database.backups.dir, and the plan names none');
  const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, safe(input.incidentId), `${safe(input.stepKey)}.dump`);
}

/** A file's size in bytes, or undefined when there is no such file. */
async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

type AdapterAction<K extends AdapterStepType> = (step: StepOf<K>, target: StepTarget, deps: StepDeps) => StepAction;

function need<T>(adapter: T | undefined, stepType: string, key: string): T {
  if (adapter === undefined) throw new InvalidStepError(stepType, `${stepType} needs adapters.${key} (or a command)`);
  return adapter;
}

/** The plan's adapter for a step's type, or why the step cannot run without a command. */
function adapterOf<R extends keyof InfraAdapters>(deps: StepDeps, step: StepOf<AdapterStepType>, target: StepTarget, role: R): NonNullable<InfraAdapters[R]> {
  return need(deps.infra(target.input.adapters)[role], step.type, role) as NonNullable<InfraAdapters[R]>;
}

function flagAction(enable: boolean): AdapterAction<'flag.disable' | 'flag.enable'> {
  return (step, { input, by }, deps) => {
    const store = deps.flagStore(input.adapters.flags, input.environment);
    return {
      what: `${enable ? 'enable' : 'disable'} flag ${step.flag}`,
      act: async () => flagRecord(enable ? await store.enable(step.flag, by) : await store.disable(step.flag, by), enable),
      readBack: async () => flagReadBack(step.flag, enable, await store.isEnabled(step.flag), store.location),
    };
  };
}

const checkout: AdapterAction<'config.revert' | 'git.checkout'> = (step, { input, ref }, deps) => {
  const git = need(deps.sourceControl(input.adapters), step.type, 'git');
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
};

/** The adapter steps of the registry, each with its action and read-back. */
const ADAPTER_ACTIONS: { [K in AdapterStepType]: (step: StepOf<K>, target: StepTarget, deps: StepDeps) => StepAction } = {
  'flag.disable': flagAction(false),
  'flag.enable': flagAction(true),
  'flag.rollout': (step, { input, by }, deps) => {
    const store = deps.flagStore(input.adapters.flags, input.environment);
    const rollout: FlagRollout = {
      ...(step.percent === undefined ? {} : { percent: step.percent }),
      ...(step.variant === undefined ? {} : { variant: step.variant }),
    };
    return {
      what: `roll flag ${step.flag} out to ${describeRollout(rollout)}`,
      act: async () => rolloutRecord(await store.rollout(step.flag, rollout, by), rollout),
      readBack: async () => rolloutReadBack(step.flag, rollout, await store.state(step.flag), store.location),
    };
  },
  'traffic.shift': (step, target, deps) => {
    const traffic = adapterOf(deps, step, target, 'traffic');
    const service = target.service;
    if (!service) throw new InvalidStepError(step.type, 'traffic.shift needs a service');
    return {
      what: `shift ${step.percent}% of ${service} traffic to ${step.to}`,
      act: () => traffic.shift(service, step.to, step.percent),
      readBack: async () => trafficReadBack(service, step.to, step.percent, await traffic.readBack(service)),
    };
  },
  'config.revert': checkout,
  'git.checkout': checkout,
  'cache.flush': (step, target, deps) => {
    const cache = adapterOf(deps, step, target, 'cache');
    return {
      what: `flush cache ${step.cache}`,
      act: () => cache.flush(step.cache),
      readBack: async () => cacheReadBack(step.cache, await cache.size(step.cache)),
    };
  },
  'db.migrateDown': (step, target, deps) => {
    const database = adapterOf(deps, step, target, 'database');
    return {
      what: `migrate the database down to ${step.to}`,
      act: () => database.migrateDown(step.to),
      readBack: async () => migrationsReadBack(step.to, await database.readBack()),
    };
  },
  'db.backup': (step, target, deps) => {
    const database = adapterOf(deps, step, target, 'database');
    const file = backupFile(target.input);
    return {
      what: `dump the database to ${file}`,
      act: () => database.backup(file),
      readBack: async () => backupReadBack(file, await sizeOf(file)),
    };
  },
  'db.restore': (step, target, deps) => {
    const database = adapterOf(deps, step, target, 'database');
    return {
      what: `restore the database from ${step.backup}`,
      act: () => database.restore(step.backup),
      readBack: async () => restoreReadBack(step.backup, await database.readBack()),
    };
  },
};

function isAdapterStep(step: Step): step is StepOf<AdapterStepType> {
  return step.type in ADAPTER_ACTIONS;
}

function commandAction(target: StepTarget, command: string, deps: StepDeps): StepAction {
  const { input, service, ref } = target;
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
    act: () => deps.shell(input.adapters, input.dryRun).run(command, { env, ...timeoutOption(timeoutMs) }),
  };
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

/** The step's command in the runbook's world when it gives one, else the adapter its type names. */
export function stepAction(input: RunStepInput, deps: StepDeps): StepAction & { target: StepTarget } {
  const { step } = input;
  const row = stepInfo(step.type);
  if (row.runs === 'workflow') throw new InvalidStepError(step.type, `${step.type} steps are run by ${row.performedBy}, not by runStep`);
  const service = ('service' in step && step.service) || input.service;
  const target: StepTarget = { input, service, ref: refOf(input, service), by: `rollback ${input.incidentId}` };
  if (step.command) return { ...commandAction(target, step.command, deps), target };
  // deploy.run, service.*: only the runbook knows how; command.run always has one.
  if (!isAdapterStep(step)) throw new InvalidStepError(step.type, `${step.type} needs a command`);
  const action = (ADAPTER_ACTIONS[step.type] as AdapterAction<AdapterStepType>)(step, target, deps);
  return { ...action, repeatable: row.notRepeatable !== true, target };
}
