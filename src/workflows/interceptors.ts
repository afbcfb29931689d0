// Workflow interceptors, bundled with the workflows (src/worker/workflowCode.ts).
//
// A search-attribute upsert is a history event and a write to the visibility store, and one
// workflow task of a run often sets several (plan and service, detect → decide → wait): runs
// that carry the patch below send the upserts of one task as one command. Older runs keep
// one command per upsert, as their histories recorded them.
import type { Next } from '@temporalio/common';
import type { ConcludeActivationInput, ConcludeActivationOutput, WorkflowInterceptors, WorkflowInternalsInterceptor } from '@temporalio/workflow';

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

export const interceptors = (): WorkflowInterceptors => ({ internals: [new OneUpsertPerTask()] });
