// Response schemas: what a route promises about its answers.
import { z } from 'zod';
import { answerOf, refusals } from '../../../src/api/schemas';

interface Produced {
  incidentId: string;
  deskId?: string;
  stage: string;
  timeline: { at: string; event: string }[];
}

const Answer = answerOf<Produced>()({ incidentId: z.string(), stage: z.string() });

test('a large answer is sent as produced: every field, in the order it was built', () => {
  const produced: Produced = { incidentId: 'rollback-1', deskId: 'desk-1', stage: 'verify', timeline: [{ at: '2025-01-01T00:00:00Z', event: 'started' }] };
  expect(JSON.stringify(z.encode(Answer, produced))).toBe(JSON.stringify(produced));
});

test('an answer that lacks a promised field is refused before it is sent', () => {
  expect(Answer.safeParse({ incidentId: 'rollback-1', timeline: [] }).success).toBe(false);
  expect(Answer.safeParse({ incidentId: 7, stage: 'verify', timeline: [] }).success).toBe(false);
});

test('refusals share one body: a message and the issues by field', () => {
  const schemas = refusals(400, 404);
  expect(Object.keys(schemas)).toEqual(['400', '404']);
  expect(schemas[404].safeParse({ error: 'params.id: no incident "x"', issues: [{ field: 'params.id', message: 'no incident "x"' }] }).success).toBe(true);
  expect(schemas[400].safeParse({ issues: [] }).success).toBe(false);
});
