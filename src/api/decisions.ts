// A person's decision, from the API or a Slack button, as the workflow's `decide` Update:
// the workflow judges authority, records the outcome, and the caller hears it at once.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { resolveIncident, UnknownIncidentError } from '../incidents/runs';
import { decideUpdate, type DecisionReply, type DecisionRequest } from '../workflows/messages';
import { RequestError } from './errors';

/**
 * How long a decision may wait for the run to take it. Longer than an ordinary call's
 * deadline: the answer needs the worker, which may be busy; an unreachable Temporal still
 * fails at once (src/api/temporal.ts).
 */
export const DECISION_WAIT_MS = 10_000;

export async function submitDecision(client: Client, incidentId: string, request: DecisionRequest): Promise<DecisionReply> {
  const runId = await resolveIncident(client, incidentId).catch((err: unknown) => {
    if (err instanceof UnknownIncidentError) throw new RequestError(404, 'params.id', err.message);
    throw err;
  });
  const handle = client.workflow.getHandle(runId);
  try {
    return await client.withDeadline(Date.now() + DECISION_WAIT_MS, () => handle.executeUpdate(decideUpdate, { args: [request] }));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The server says "not found" for finished runs too; tell the two apart for the caller.
    const closed = await handle.describe().then(
      (d) => d.status.name,
      () => undefined,
    );
    if (closed) throw new RequestError(409, 'params.id', `incident "${incidentId}" is closed (${closed.toLowerCase()}); nothing waits for a decision`);
    throw new RequestError(404, 'params.id', `no incident "${incidentId}"`);
  }
}
