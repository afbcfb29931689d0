// The activity boundary: adapter errors become Temporal failures with explicit, stable
// `type` strings (class names do not survive bundling) and the right retry behaviour.
import { ApplicationFailure } from '@temporalio/common';

export const NON_RETRYABLE_TYPES = ['Rejected', 'UnknownFlag', 'InvalidStep'] as const;

interface TypedError extends Error {
  type?: string;
  retryAfterMs?: number;
}

export function toFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const error = err as TypedError;
  const type = typeof error.type === 'string' ? error.type : 'Unexpected';
  return ApplicationFailure.create({
    type,
    message: error.message ?? String(err),
    nonRetryable: (NON_RETRYABLE_TYPES as readonly string[]).includes(type),
    ...(type === 'RateLimited' && error.retryAfterMs !== undefined ? { nextRetryDelay: error.retryAfterMs } : {}),
  });
}

/** Runs an activity body and converts whatever it throws. */
export async function atBoundary<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toFailure(err);
  }
}
