// Performing one step, safe to retry. Each step of each workflow run is guarded
// (idempotencyLedger.ts) so that a retried activity (its first result lost) finds what
// happened instead of acting twice — and reads the target again rather than trusting that
// record. A step whose target does not show its intent fails. A dry-run changes nothing
// anywhere: commands and adapter actions are only recorded ("would …").
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import { isRelativeRef } from '../adapters/git';
import { stepGuardKey, type StepLedgerEntry } from '../adapters/idempotencyLedger';
import type { ActionRecord } from '../adapters/roles';
import { errorMessage, InvalidStepError, isoNow, masker, type PlanAdapters, type StepDeps, type StepExecution } from './deps';
import { atBoundary } from './failures';
import { heartbeating } from './heartbeat';
import type { ReadBack } from './readBack';
import { stepAction, type RunStepInput, type StepAction } from './stepActions';

export type { RunStepInput, StepLedgerEntry };

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

type TargetAnswer = ReadBack | { error: string };

/** The target's answer, or why it could not be read (a read that fails is not a contradiction). */
async function readTarget(read: NonNullable<StepAction['readBack']>, pinnedRef: string | undefined): Promise<TargetAnswer> {
  try {
    return await read(pinnedRef);
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** The action's record with what the target says; a contradiction fails the step in the target's words. */
function confirmed(record: ActionRecord, action: StepAction, target: TargetAnswer): ActionRecord {
  if ('error' in target) return { ...record, details: { ...record.details, readBack: { error: target.error } } };
  if (target.holds !== false || !record.ok) return { ...record, details: { ...record.details, readBack: target.state } };
  return {
    ...record,
    ok: false,
    summary: `${action.what} did not take: ${target.says}`,
    details: { ...record.details, reported: record.summary, readBack: target.state },
  };
}

/**
 * After an earlier attempt of this run finished (its result never reached the workflow)
 * or died mid-step, the target is asked rather than the ledger trusted: the record to
 * return when the target shows the step done, or why the step acts (again).
 */
async function revisit(action: StepAction, previous: StepLedgerEntry, pinnedRef: string | undefined): Promise<{ record: ActionRecord } | { note?: string }> {
  if (previous.status === 'failed') return {}; // it threw: the action is retried
  const earlier = previous.record;
  const pinned = pinnedRef ? { pinnedRef } : {};
  if (!action.readBack) {
    if (!earlier) return {}; // a command that died mid-step runs again (resumed)
    return { record: { ...earlier, details: { ...earlier.details, replayed: true, readBack: COMMAND_READ_BACK } } };
  }
  const target = await readTarget(action.readBack, pinnedRef);
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
        summary: `${action.what}: done by an earlier attempt that ended without a result; ${read.says}`,
        details: { resumed: true, readBack, ...pinned },
      },
    };
  }
  // The earlier attempt died mid-step and the target cannot tell whether it took.
  if (action.repeatable === false) {
    const says = 'error' in target ? `the target cannot be read: ${target.error}` : target.says;
    return {
      record: {
        ok: false,
        summary: `${action.what}: an earlier attempt ended without a result and nothing tells whether it took (${says}); not repeated`,
        details: { resumed: true, readBack },
      },
    };
  }
  return {}; // repeating is harmless: act again (resumed)
}

export function createStepActivities(deps: StepDeps) {
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

  async function runStep(input: RunStepInput): Promise<ActionRecord> {
    const action = stepAction(input, deps);
    const { service, ref } = action.target;
    const mask = masker(deps, input.adapters);

    if (input.dryRun) {
      // The shell records "would run" itself; adapters are not called at all.
      if (input.step.command) return mask({ ...(await action.act(undefined)), dryRun: true });
      return mask({ ok: true, summary: `would ${action.what}`, dryRun: true, details: { ...(ref ? { ref } : {}) } });
    }

    const run = execution(input);
    const key = stepGuardKey({ workflowId: run.workflowId, runId: run.runId, stepKey: input.stepKey, service });
    const pin = action.pin && isRelativeRef(action.pin.ref) ? await action.pin.sourceControl.resolveRef?.(action.pin.ref) : undefined;
    const claim = await deps.ledger.claim(key, { owner: OWNER, attempt: run.attempt, startedAt: isoNow(deps), ...(pin ? { pinnedRef: pin } : {}) });
    if (!claim.held) throw new StepInProgressError(key, claim.entry);
    const { entry, previous } = claim;
    // A retry acts on the commit the first attempt named.
    const pinnedRef = entry.pinnedRef;
    const pinned = pinnedRef ? { pinnedRef } : {};
    const settle = async (outcome: Partial<StepLedgerEntry>) => {
      await deps.ledger.settle(key, { ...entry, ...outcome, finishedAt: isoNow(deps) });
    };

    let note: string | undefined;
    if (previous) {
      const revisited = await revisit(action, previous, pinnedRef);
      if ('record' in revisited) {
        await settle({ status: 'done', record: revisited.record });
        return revisited.record;
      }
      note = revisited.note;
    }

    let record: ActionRecord;
    try {
      record = mask(await action.act(previous ? pinnedRef : undefined));
    } catch (err) {
      await settle({ status: 'failed', error: errorMessage(err) });
      throw err;
    }
    if (action.readBack) record = confirmed(record, action, await readTarget(action.readBack, pinnedRef));
    if (previous?.status === 'started' || note)
      record = { ...record, details: { ...record.details, resumed: true, ...(note ? { guard: note } : {}), ...pinned } };
    else if (pinnedRef) record = { ...record, details: { ...record.details, ...pinned } };
    await settle({ status: 'done', record });
    return record;
  }

  return {
    /** Performs one step (its command, or its adapter), once per idempotency key. */
    async runStep(input: RunStepInput): Promise<ActionRecord> {
      return atBoundary(() => heartbeating(() => runStep(input)));
    },

    /** In-flight requests on the pool being drained (traffic.drain's `maxActive`). */
    async activeRequests(input: { adapters: PlanAdapters; service: string }): Promise<number> {
      return atBoundary(async () => {
        const traffic = deps.infra(input.adapters).traffic;
        if (!traffic) throw new InvalidStepError('traffic.drain', 'traffic.drain with maxActive needs adapters.traffic');
        return traffic.activeRequests(input.service);
      });
    },
  };
}

export type StepActivities = ReturnType<typeof createStepActivities>;
