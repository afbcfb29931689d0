// The plan language's JSON Schema and reference (docs/) are generated from the zod schema:
// they must be current, and the schema must accept what the loader accepts and refuse
// what it refuses for its shape, as a real JSON Schema validator reads it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  PLAN_REFERENCE_FILE,
  PLAN_SCHEMA_FILE,
  PLAN_SCHEMA_MODELINE,
  planJsonSchema,
  planReference,
  planSchemaText,
  type JsonSchema,
} from '../../../src/plan/reference';
import { parsePlan } from '../../../src/validation/parse';
import { DEFAULT_PLANS_DIR } from '../../../src/validation/files';
import { committedPlanSchemaValidator } from '../../support/planSchema';

const ROOT = resolve(__dirname, '../../..');
const committed = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const planFiles = readdirSync(DEFAULT_PLANS_DIR).filter((f) => /\.ya?ml$/.test(f));
const fixtures = join(ROOT, 'test/fixtures/plans');

describe('docs/ is generated from the zod schema', () => {
  it(`${PLAN_SCHEMA_FILE} is current (else: npm run docs:plan)`, () => {
    expect(committed(PLAN_SCHEMA_FILE)).toBe(planSchemaText());
  });

  it(`${PLAN_REFERENCE_FILE} is current (else: npm run docs:plan)`, () => {
    expect(committed(PLAN_REFERENCE_FILE)).toBe(planReference());
  });

  it('every field of the plan language has a description', () => {
    const schema = planJsonSchema();
    const missing: string[] = [];
    const visit = (node: JsonSchema, path: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) missing.push(`${path}.${key}`);
        visit(child, `${path}.${key}`);
      }
      for (const variant of [...(node.oneOf ?? []), ...(node.anyOf ?? [])]) visit(variant, path);
      if (node.items) visit(node.items, `${path}[]`);
      if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${path}.<name>`);
    };
    visit(schema, '');
    for (const [name, def] of Object.entries(schema.$defs ?? {})) visit(def, name);
    expect(missing).toEqual([]);
  });

  it('the reference names each field with its path, type, default, example and seed', () => {
    const reference = committed(PLAN_REFERENCE_FILE);
    expect(reference).toMatch(/^\| `triggers\[kind=metric\]\.condition\.for` \| \[duration\]\(#duration\) \| {2}\| Hold window: .+ \| `2m` \| 002 \|$/m);
    expect(reference).toMatch(/^\| `defaults\.askWindow` \| \[duration\]\(#duration\) \| `15m` \| .+ \|$/m);
    expect(reference).toMatch(/^\| `\[type=flag\.disable\]\.flag` \| text \(not empty\), \*\*required\*\* \| {2}\| .+ \| `.+` \| 000 \|$/m);
  });
});

describe(`every plan in plans/ against ${PLAN_SCHEMA_FILE}`, () => {
  const validate = committedPlanSchemaValidator();

  it.each(planFiles)('%s starts with the schema modeline, whose path reaches the schema', (file) => {
    const firstLine = readFileSync(join(DEFAULT_PLANS_DIR, file), 'utf8').split('\n')[0];
    expect(firstLine).toBe(PLAN_SCHEMA_MODELINE);
    const target = resolve(DEFAULT_PLANS_DIR, firstLine.split('$schema=')[1]);
    expect(target).toBe(join(ROOT, PLAN_SCHEMA_FILE));
    expect(dirname(target)).toBe(join(ROOT, 'docs'));
  });

  it.each(planFiles)('%s is valid under the JSON Schema, as the loader finds it', (file) => {
    const text = readFileSync(join(DEFAULT_PLANS_DIR, file), 'utf8');
    expect(() => parsePlan(text, file)).not.toThrow();
    expect(validate(parse(text))).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('refuses a field the language does not have, where the loader does too', () => {
    const plan = parse(readFileSync(join(DEFAULT_PLANS_DIR, 'checkout-demo.yaml'), 'utf8')) as { levels: { steps: Record<string, unknown>[] }[] };
    plan.levels[0].steps[0].flags = 'new_checkout';
    expect(validate(plan)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/levels/0/steps/0', keyword: 'additionalProperties', params: { additionalProperty: 'flags' } }),
    );
  });

  it.each(['unknown-field', 'unknown-step-type', 'unknown-action', 'window-without-unit', 'quantity-without-number'])(
    'refuses the invalid fixture %s, as the loader does',
    (name) => {
      const text = readFileSync(join(fixtures, 'invalid', `${name}.yaml`), 'utf8');
      expect(() => parsePlan(text, name)).toThrow();
      expect(validate(parse(text))).toBe(false);
    },
  );

  it('accepts the minimal fixture plan', () => {
    expect(validate(parse(readFileSync(join(fixtures, 'valid-minimal.yaml'), 'utf8')))).toBe(true);
  });
});
