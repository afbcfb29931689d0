// Whether a failed call means Temporal could not serve it: the API answers 503 (src/api/app.ts)
// and the CLI exits 3 (src/cli/io.ts), so a caller can tell "refused" from "unreachable".
import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * Why Temporal could not serve a call — unreachable, or no answer before the deadline —
 * or undefined for any other error. Looks through the SDK's wrappers (`cause`).
 */
export function temporalUnavailable(error: unknown): string | undefined {
  for (let err = error, depth = 0; err && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      return "the decision was not confirmed in time (Temporal is unreachable or slow, or no worker is running); read the incident's status before deciding again";
    }
    if (!isGrpcServiceError(err)) continue;
    const code: number = err.code;
    if (code === GRPC_UNAVAILABLE) return `Temporal cannot be reached: ${err.details.replace(/\s*Resolution note:\s*$/, '')}`;
    if (code === GRPC_DEADLINE_EXCEEDED) {
      return 'Temporal did not answer in time: it cannot be reached or is overloaded (status and decisions also need a running worker)';
    }
  }
  return undefined;
}
