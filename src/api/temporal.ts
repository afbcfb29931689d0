// The API's (and CLI's) way to Temporal: connected lazily, so the API starts and /healthz
// answers while Temporal is down, and every call bounded, so an unreachable Temporal is a
// 503 within two seconds instead of the SDK's ~20 s of retries. The bounds live in the
// connection (a gRPC interceptor), so every route — and every caller of the client — has
// them without doing anything.
import {
  type ConnectionOptions,
  Connection,
  defaultGrpcRetryOptions,
  isGrpcServiceError,
  makeGrpcRetryInterceptor,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { connectionOptions, type TemporalConfig } from '../config';

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];

export const TEMPORAL_BOUNDS = {
  /** A call without a deadline of its own gets this one. */
  callTimeoutMs: 1500,
  /** How long a call keeps retrying "unavailable" (the server restarting, a dropped connection). */
  unavailableRetryMs: 1000,
  /** Longest pause between reconnection attempts, so the API notices a restarted server soon. */
  maxReconnectBackoffMs: 2000,
} as const;

/** Seconds a client should wait before retrying a request refused because Temporal is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Gives a call the default deadline unless its caller set one (`client.withDeadline`), and
 * retries retryable failures with the SDK's backoff but only within `unavailableRetryMs`.
 */
export function boundedCalls(bounds: { callTimeoutMs: number; unavailableRetryMs: number } = TEMPORAL_BOUNDS): Interceptor {
  const sdk = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const started = Date.now();
    const retryUntil = started + bounds.unavailableRetryMs;
    const deadline = options.deadline === undefined || options.deadline === Infinity ? started + bounds.callTimeoutMs : options.deadline;
    const retry = makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => Date.now() < retryUntil && sdk.retryableDecider(attempt, status),
      delayFunction: (attempt, status) => Math.max(0, Math.min(sdk.delayFunction(attempt, status), retryUntil - Date.now())),
    });
    return retry({ ...options, deadline }, nextCall);
  };
}

export function boundedConnectionOptions(config: TemporalConfig): ConnectionOptions {
  return {
    ...connectionOptions(config),
    connectTimeout: TEMPORAL_BOUNDS.callTimeoutMs,
    interceptors: [boundedCalls()],
    channelArgs: { 'grpc.max_reconnect_backoff_ms': TEMPORAL_BOUNDS.maxReconnectBackoffMs },
  };
}

/** The API's connection: no I/O until the first call. */
export function lazyTemporalConnection(config: TemporalConfig): Connection {
  return Connection.lazy(boundedConnectionOptions(config));
}

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
    // The codes are gRPC's wire numbers; grpc-js's own enum comes with the SDK, not as our dependency.
    const code: number = err.code;
    if (code === GRPC_UNAVAILABLE) return `Temporal cannot be reached: ${err.details.replace(/\s*Resolution note:\s*$/, '')}`;
    if (code === GRPC_DEADLINE_EXCEEDED) {
      return 'Temporal did not answer in time: it cannot be reached or is overloaded (status and decisions also need a running worker)';
    }
  }
  return undefined;
}
