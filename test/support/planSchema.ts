// A real JSON Schema validator (ajv, draft 2020-12, with formats) over the committed
// docs/plan.schema.json: what an editor checks plans with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PLAN_SCHEMA_FILE } from '../../src/plan/reference';

export function committedPlanSchemaValidator() {
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  // Our own annotation (the seed an example comes from): known, not checked.
  ajv.addVocabulary(['x-seed']);
  return ajv.compile(JSON.parse(readFileSync(join(__dirname, '../..', PLAN_SCHEMA_FILE), 'utf8')));
}
