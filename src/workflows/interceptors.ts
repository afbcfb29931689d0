// Workflow interceptors, bundled with the workflows (src/worker/workflowCode.ts).
//
// A closed run reports how long its decision took, by who decided, through the SDK's
// workflow metric meter: it adds no command to the history, is dropped while replaying, and
// reaches the worker's /metrics through the Runtime's Prometheus exporter (src/worker/metrics.ts).
//
// A search-attribute upsert is a history event and a write to the visibility store, and one
// workflow task of a run often sets several (plan and service, detect → decide → wait): runs
// that carry the patch below send the upserts of one task as one command. Older runs keep
// one command per upsert, as their histories recorded them.
import type { Next } from '@temporalio/common';
import {
  type ConcludeActivationInput,
  type ConcludeActivationOutput,
  metricMeter,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  workflowInfo,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
} from '@temporalio/workflow';
import { isPerson } from '../policy/deciders';
import { type IncidentResult, ROLLBACK_WORKFLOW } from './messages';

/** Called (with patched()) where a run starts; its marker turns merging on for that run. */
export const ONE_UPSERT_PER_TASK = 'search-attributes-once-per-task';

type Command = ConcludeActivationInput['commands'][number];

/** The upserts among `commands` as one, where the last of them stood (later values win). */
export function mergeUpserts(commands: Command[]): Command[] {
  const upserts = commands.filter((c) => c.upsertWorkflowSearchAttributes);
  if (upserts.length < 2) return commands;
  const last = upserts[upserts.length - 1];
  const indexedFields = Object.fromEntries(upserts.flatMap((c) => Object.entries(c.upsertWorkflowSearchAttributes!.searchAttributes?.indexedFields ?? {})));
  const merged: Command = { ...last, upsertWorkflowSearchAttributes: { searchAttributes: { indexedFields } } };
  return commands.flatMap((c) => (c === last ? [merged] : c.upsertWorkflowSearchAttributes ? [] : [c]));
}

class OneUpsertPerTask implements WorkflowInternalsInterceptor {
  private merging = false;

  concludeActivation(input: ConcludeActivationInput, next: Next<WorkflowInternalsInterceptor, 'concludeActivation'>): ConcludeActivationOutput {
    this.merging ||= input.commands.some((c) => c.setPatchMarker?.patchId === ONE_UPSERT_PER_TASK);
    return next(this.merging ? { ...input, commands: mergeUpserts(input.commands) } : input);
  }
}

/** Seconds from a run's start to its decision, by who decided: `person`, `plan` (the decision table) or `clock` (a window's default). */
export const DECISION_LATENCY_METRIC = 'rollback_decision_latency_seconds';

class DecisionLatency implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const result = await next(input);
    const info = workflowInfo();
    const decision = info.workflowType === ROLLBACK_WORKFLOW ? (result as IncidentResult).decision : undefined;
    if (decision) {
      const seconds = Math.max(0, (Date.parse(decision.at) - info.runStartTime.getTime()) / 1000);
      metricMeter
        .createHistogram(DECISION_LATENCY_METRIC, 'float', 's', 'seconds from the start of a run to its decision, by who decided')
        .record(seconds, { decided_by: isPerson(decision.by) ? 'person' : decision.by });
    }
    return result;
  }
}

export const interceptors = (): WorkflowInterceptors => ({ internals: [new OneUpsertPerTask()], inbound: [new DecisionLatency()] });
