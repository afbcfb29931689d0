// `npm run docs:plan`: writes the plan language's JSON Schema and reference from the zod
// schema (src/plan/reference.ts). test/unit/plan/reference.test.ts fails until they are
// written again after the language changes.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PLAN_REFERENCE_FILE, PLAN_SCHEMA_FILE, planJsonSchema, planReference, planSchemaText } from '../src/plan/reference';

const ROOT = resolve(__dirname, '..');
const schema = planJsonSchema();
writeFileSync(resolve(ROOT, PLAN_SCHEMA_FILE), planSchemaText(schema));
writeFileSync(resolve(ROOT, PLAN_REFERENCE_FILE), planReference(schema));
console.log(`wrote ${PLAN_SCHEMA_FILE} and ${PLAN_REFERENCE_FILE}`);
