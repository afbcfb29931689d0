// One error shape for every refusal: a status, the offending field and a message.
import type { FastifySchemaValidationError } from 'fastify';
import { z } from 'zod';
import { DecisionRefusedError, IncidentClosedError } from '../incidents/decisions';
import { UnknownIncidentError } from '../incidents/runs';

export const FieldIssue = z.object({
  field: z.string(),
  message: z.string(),
  /** The values the field may take (the plans, services or triggers the API knows), when they are few enough to list. */
  known: z.array(z.string()).optional(),
});
export type FieldIssue = z.infer<typeof FieldIssue>;

/** The body of every refusal: the first issue in words, and every issue by field. */
export const ErrorBody = z.object({ error: z.string(), issues: z.array(FieldIssue).optional() });

export class RequestError extends Error {
  readonly issues: FieldIssue[];

  constructor(
    readonly status: number,
    field: string,
    message: string,
    more: FieldIssue[] = [],
    known?: readonly string[],
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'RequestError';
    this.issues = [{ field, message, ...(known ? { known: [...known] } : {}) }, ...more];
  }
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * A route schema's refusal (fastify-type-provider-zod puts zod's issue path in `instancePath`)
 * as a 400 naming every offending field. An all-digit segment is an array index: the only
 * records in requests are Alertmanager labels and annotations, whose names never are digits.
 */
export function validationRefusal(validation: readonly FastifySchemaValidationError[]): RequestError {
  const [first, ...rest] = validation.map((v) => {
    const path = v.instancePath
      .split('/')
      .slice(1)
      .filter((p) => p !== '')
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    return { field: fieldPath(path) || '(body)', message: v.message ?? 'invalid' };
  });
  return new RequestError(400, first.field, first.message, rest);
}

/** The incident layer's refusals (src/incidents) as HTTP: the status and the field at fault. */
export function incidentRefusal(error: unknown): RequestError | undefined {
  if (error instanceof UnknownIncidentError) return new RequestError(404, 'params.id', error.message);
  if (error instanceof IncidentClosedError) return new RequestError(409, 'params.id', error.message);
  if (error instanceof DecisionRefusedError) {
    const notAllowed = error.refusal === 'not-an-approver';
    return new RequestError(notAllowed ? 403 : 409, notAllowed ? 'by' : 'decision', error.message);
  }
  return undefined;
}
