// A person's decision, from the API or a Slack button, as the workflow's `decide` Update:
// the workflow judges authority, records the outcome, and the caller hears it at once.
// Each way a decision does not count is its own error type; callers say it in their words
// (the API as a status and body, a Slack click as a note to the clicker).
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { decideUpdate, type DecisionRequest, type Refusal } from '../workflows/messages';
import { resolveIncident, UnknownIncidentError } from './runs';

/**
 * How long a decision may wait for the run to take it. Longer than an ordinary call's
 * deadline: the answer needs the worker, which may be busy; an unreachable Temporal still
 * fails at once (src/api/temporal.ts).
 */
export const DECISION_WAIT_MS = 10_000;

/** The run has finished: nothing waits for a decision any more. */
export class IncidentClosedError extends Error {
  constructor(
    readonly incidentId: string,
    /** Temporal's name for how it closed (COMPLETED, TERMINATED, …). */
    readonly closedAs: string,
  ) {
    super(`incident "${incidentId}" is closed (${closedAs.toLowerCase()}); nothing waits for a decision`);
    this.name = 'IncidentClosedError';
  }
}

/** The run took the decision and refused it: the person is no approver, or nothing is pending. */
export class DecisionRefusedError extends Error {
  constructor(
    readonly incidentId: string,
    readonly by: string,
    readonly refusal: Refusal | undefined,
    /** The run's reason, in words. */
    readonly reason: string,
  ) {
    super(`${by}: ${reason}`);
    this.name = 'DecisionRefusedError';
  }
}

/**
 * Submits a decision and resolves once the run counted it. Throws UnknownIncidentError,
 * IncidentClosedError or DecisionRefusedError when it does not count; Temporal's own
 * failures (unreachable, no answer in time) pass through.
 */
export async function submitDecision(client: Client, incidentId: string, request: DecisionRequest): Promise<void> {
  const runId = await resolveIncident(client, incidentId);
  const handle = client.workflow.getHandle(runId);
  let answer;
  try {
    answer = await client.withDeadline(Date.now() + DECISION_WAIT_MS, () => handle.executeUpdate(decideUpdate, { args: [request] }));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The server says "not found" for finished runs too; tell the two apart for the caller.
    const closed = await handle.describe().then(
      (d) => d.status.name,
      () => undefined,
    );
    if (closed) throw new IncidentClosedError(incidentId, closed);
    throw new UnknownIncidentError(incidentId);
  }
  if (!answer.accepted) throw new DecisionRefusedError(incidentId, request.by, answer.refusal, answer.reason ?? answer.refusal ?? 'refused');
}
