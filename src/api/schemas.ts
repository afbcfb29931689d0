// Helpers for the response schemas the routes declare beside themselves.
import { z } from 'zod';
import { ErrorBody } from './errors';

/** Response schemas for the refusals a route answers with: each is an ErrorBody. */
export function refusals<const S extends readonly number[]>(...statuses: S): Record<S[number], typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as Record<S[number], typeof ErrorBody>;
}

/**
 * The schema of a large answer whose type lives elsewhere (a workflow's status, a report):
 * `shape` promises the fields that name it, checked against `T` at compile time and against
 * the answer when it is sent. The answer is sent as it is: every other field, and the
 * producer's field order, stay.
 */
export function answerOf<T>() {
  return <S extends z.ZodRawShape>(shape: S & (T extends z.output<z.ZodObject<S>> ? unknown : never)): z.ZodType<T> => {
    const promised = z.looseObject(shape);
    const answer = z.custom<T>((value) => promised.safeParse(value).success, { message: 'the answer lacks a promised field' });
    promisedShapes.set(answer, promised);
    return answer;
  };
}

/** What an `answerOf` schema promises, for the API's description (src/api/openapi.ts). */
export const promisedShapes = new WeakMap<object, z.ZodType>();
