// One error shape for every refusal: a status, the offending field and a message.
import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
}

export class RequestError extends Error {
  readonly issues: FieldIssue[];

  constructor(readonly status: number, field: string, message: string, more: FieldIssue[] = []) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'RequestError';
    this.issues = [{ field, message }, ...more];
  }
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Parses with a schema or throws a 400 that names every offending field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues.map((i) => ({ field: fieldPath(i.path) || '(body)', message: i.message }));
  throw new RequestError(400, first!.field, first!.message, rest);
}
