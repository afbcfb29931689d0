// A seed plan as the tests run it: the real file from plans/, with what only exists in the
// seed's own world (hosts, commands, minutes-long windows) patched to this machine's real
// parts and to seconds. Decision tables, authority and levels stay the seed's own.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePlan } from '../../../src/validation/parse';
import type { Plan } from '../../../src/plan/schema';

const PLANS = resolve(__dirname, '../../../plans');

/** The YAML as plain data, edited before the schema has checked it. */
export type PlanDocument = any;

export function seedPlan(name: string, patch: (doc: PlanDocument) => void): Plan {
  const doc = parse(readFileSync(resolve(PLANS, `${name}.yaml`), 'utf8'), { merge: true });
  patch(doc);
  return parsePlan(stringify(doc, { aliasDuplicateObjects: false }), `${name}.yaml (test variant)`);
}
