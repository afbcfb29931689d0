// Vendor-neutral adapter failures. Activities convert them to Temporal failures by the
// stable `type` string (class names do not survive bundling), so retry policy is decided
// once, here: rate limits and outages are retryable, rejections are not.

export const AdapterErrorType = {
  RateLimited: 'RateLimited',
  Rejected: 'Rejected',
  Unavailable: 'Unavailable',
} as const;
export type AdapterErrorType = (typeof AdapterErrorType)[keyof typeof AdapterErrorType];

export abstract class AdapterError extends Error {
  abstract readonly type: AdapterErrorType;
  /** Whether repeating the same request can succeed later. */
  abstract readonly retryable: boolean;

  constructor(
    readonly vendor: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${vendor}: ${message}`, options);
  }
}

/** The vendor asked us to slow down; the same request may succeed after `retryAfterMs`. */
export class RateLimitedError extends AdapterError {
  readonly type = AdapterErrorType.RateLimited;
  readonly retryable = true;

  constructor(
    vendor: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(vendor, `rate limited, retry after ${retryAfterMs} ms`, options);
    this.name = 'RateLimitedError';
  }
}

/** The vendor refused the request as invalid (bad token, unknown channel, malformed body). Retrying cannot help. */
export class RejectedError extends AdapterError {
  readonly type = AdapterErrorType.Rejected;
  readonly retryable = false;

  constructor(
    vendor: string,
    /** HTTP status of the refusal (Slack reports refusals with 200 and `ok:false`). */
    readonly status: number,
    /** The vendor's own error code(s) or message, never request secrets. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(vendor, `request rejected (HTTP ${status}): ${detail}`, options);
    this.name = 'RejectedError';
  }
}

/** The request names something that does not exist or cannot be done; retrying cannot help. */
export class RefusedError extends AdapterError {
  readonly type = AdapterErrorType.Rejected;
  readonly retryable = false;

  constructor(
    vendor: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(vendor, detail, options);
    this.name = 'RefusedError';
  }
}

/** The vendor could not be reached or failed on its side (5xx, network, timeout). */
export class UnavailableError extends AdapterError {
  readonly type = AdapterErrorType.Unavailable;
  readonly retryable = true;

  constructor(
    vendor: string,
    readonly detail: string,
    /** HTTP status when the vendor answered; undefined for network failures. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(vendor, `unavailable${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`, options);
    this.name = 'UnavailableError';
  }
}

/**
 * A short reason for a failure to reach a vendor, e.g. "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:443".
 * fetch reports every network failure as "fetch failed" and keeps the reason in `cause`.
 */
export function describeNetworkFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return `${code}: ${error.message}`;
  if (error.cause !== undefined) return `${error.message}: ${describeNetworkFailure(error.cause)}`;
  return `${error.name}: ${error.message}`;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}
