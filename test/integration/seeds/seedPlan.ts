// A seed plan as the tests run it: the real file from plans/, with what only exists in the
// seed's own world (hosts, commands, minutes-long windows) patched to this machine's real
// parts and to seconds. Decision tables, authority and levels stay the seed's own.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePlan } from '../../../src/validation/parse';
import type { Plan, PlanInput } from '../../../src/plan/schema';

const PLANS = resolve(__dirname, '../../../plans');

/** The YAML as the plan language takes it (the schema's input), edited before the schema has checked it. */
export type PlanDocument = PlanInput;

type CheckDocument = NonNullable<PlanDocument['checks']>[string];

/** The check `name` of the document, of the `type` the seed gives it (a seed that changed fails here). */
export function seedCheck<T extends CheckDocument['type']>(doc: PlanDocument, name: string, type: T): Extract<CheckDocument, { type: T }> {
  const check = doc.checks?.[name];
  if (check?.type !== type) throw new Error(`the seed's check "${name}" is not a ${type} check`);
  return check as Extract<CheckDocument, { type: T }>;
}

export function seedPlan(name: string, patch: (doc: PlanDocument) => void): Plan {
  const doc = parse(readFileSync(resolve(PLANS, `${name}.yaml`), 'utf8'), { merge: true }) as PlanDocument;
  patch(doc);
  return parsePlan(stringify(doc, { aliasDuplicateObjects: false }), `${name}.yaml (test variant)`);
}
