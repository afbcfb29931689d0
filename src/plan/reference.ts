// The plan language described for its writers, generated from the zod schema: the JSON
// Schema editors check plans with (docs/plan.schema.json) and the reference people write
// plans from (docs/plan-reference.md). `npm run docs:plan` writes both; a test fails when
// the committed files differ from what this module makes. Pure.
import { stringify } from 'yaml';
import { z } from 'zod';
import { QUANTITY_HINT, RANGE_HINT } from './quantity';
import { PlanSchema } from './schema';

/** A JSON Schema node as z.toJSONSchema writes it (draft 2020-12). */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  title?: string;
  description?: string;
  examples?: unknown[];
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  'x-seed'?: string | string[];
  [keyword: string]: unknown;
}

export const PLAN_SCHEMA_FILE = 'docs/plan.schema.json';
export const PLAN_REFERENCE_FILE = 'docs/plan-reference.md';
/** Where a plan in plans/ finds the schema (`# yaml-language-server: $schema=…`). */
export const PLAN_SCHEMA_MODELINE = '# yaml-language-server: $schema=../docs/plan.schema.json';

/**
 * The schema of what a plan author writes: the INPUT side (fields with a default are not
 * required, quantities may be numbers or strings). Rules zod checks in code (refinements:
 * "give exactly one of", cross-references between sections) are not in it: the loader
 * (`rollback plan validate`) checks those.
 */
export function planJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(PlanSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw', override: annotate }) as JsonSchema;
  return schema;
}

function annotate({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  // `seed` is our own annotation: JSON Schema leaves unknown keywords to vendors' `x-` names.
  if (jsonSchema.seed !== undefined) {
    jsonSchema['x-seed'] = jsonSchema.seed;
    delete jsonSchema.seed;
  }
  // zod leaves out the examples and default of any schema that transforms (a quantity, "x or
  // [x]", an object holding one), as they might be output values. Ours are written as a plan
  // author writes them, so the input side keeps them.
  const meta = z.globalRegistry.get(zodSchema);
  if (meta?.examples !== undefined && jsonSchema.examples === undefined) jsonSchema.examples = meta.examples as unknown[];
  const def = zodSchema._zod.def;
  if (def.type === 'default' && jsonSchema.default === undefined) jsonSchema.default = (def as z.core.$ZodDefaultDef).defaultValue;
}

export function planSchemaText(schema: JsonSchema = planJsonSchema()): string {
  return JSON.stringify(schema, null, 2) + '\n';
}

interface Row {
  path: string;
  node: JsonSchema;
  required: boolean;
}

const DEF_PREFIX = '#/$defs/';

/** The section a `$defs` entry gets in the reference (its heading's anchor). */
function anchorOf(defName: string): string {
  return defName.toLowerCase();
}

function defOf(root: JsonSchema, ref: string): { name: string; node: JsonSchema } {
  const name = ref.slice(DEF_PREFIX.length);
  const node = root.$defs?.[name];
  if (!node) throw new Error(`no $defs entry for ${ref}`);
  return { name, node };
}

function isObject(node: JsonSchema): boolean {
  return node.type === 'object' && node.properties !== undefined;
}

/** Definitions of objects (or unions of them) get a section of their own; values are listed at the top. */
function hasSection(def: JsonSchema): boolean {
  return isObject(def) || ((def.oneOf ?? def.anyOf)?.every(isObject) ?? false);
}

/** A variant's discriminator: the one property all variants of a union hold a const in. */
function discriminatorOf(variants: JsonSchema[]): string | undefined {
  const first = variants[0]?.properties ?? {};
  return Object.keys(first).find((key) => variants.every((v) => v.properties?.[key]?.const !== undefined));
}

/**
 * The rows under `path`: each field of an object, its fields in turn, and for a union of
 * objects told apart by a discriminator, the fields all variants share once and the
 * others as `path[kind=…]`. A `$ref` to an object stops the walk: it has its own section.
 */
function rowsOf(root: JsonSchema, node: JsonSchema, path: string, into: Row[]): void {
  if (node.$ref) {
    return;
  }
  if (node.type === 'array' && node.items) return rowsOf(root, node.items, `${path}[]`, into);
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object' && !node.properties) {
    return rowsOf(root, node.additionalProperties, `${path}.<name>`, into);
  }
  const variants = node.oneOf ?? node.anyOf;
  if (variants && variants.every(isObject)) return variantRows(root, variants, path, into);
  if (!isObject(node)) return;
  for (const key of Object.keys(node.properties ?? {})) pushField(root, node, key, path, into);
}

function variantRows(root: JsonSchema, variants: JsonSchema[], path: string, into: Row[]): void {
  const tag = discriminatorOf(variants);
  const label = (v: JsonSchema) => (tag ? `${tag}=${String(v.properties?.[tag]?.const)}` : `variant ${variants.indexOf(v) + 1}`);
  const qualified = (v: JsonSchema) => (path.endsWith('[]') ? `${path.slice(0, -2)}[${label(v)}]` : `${path}[${label(v)}]`);
  const keys = [...new Set(variants.flatMap((v) => Object.keys(v.properties ?? {})))];
  const own = new Map<JsonSchema, string[]>(variants.map((v) => [v, []]));
  for (const key of keys) {
    if (key === tag) {
      const first = variants[0].properties?.[tag] ?? {};
      into.push({ path: join(path, key), node: { ...first, const: undefined, enum: variants.map((v) => v.properties?.[tag]?.const) }, required: true });
      continue;
    }
    // The shape most variants share is written once; a variant that differs gets its own row.
    const holders = variants.filter((v) => v.properties?.[key]);
    const byShape = new Map<string, JsonSchema[]>();
    for (const v of holders) {
      const shape = JSON.stringify([v.properties?.[key], v.required?.includes(key)]);
      byShape.set(shape, [...(byShape.get(shape) ?? []), v]);
    }
    const common = [...byShape.values()].sort((a, b) => b.length - a.length)[0];
    const sharedBy = common.length > 1 && common.length * 2 > variants.length ? common : [];
    if (sharedBy.length > 0) pushField(root, sharedBy[0], key, path, into);
    for (const holder of holders) if (!sharedBy.includes(holder)) own.get(holder)?.push(key);
  }
  for (const [variant, variantKeys] of own) {
    into.push({ path: qualified(variant), node: variant, required: false });
    for (const key of variantKeys) pushField(root, variant, key, qualified(variant), into);
  }
}

function pushField(root: JsonSchema, holder: JsonSchema, key: string, at: string, into: Row[]): void {
  const child = holder.properties?.[key] ?? {};
  into.push({ path: join(at, key), node: child, required: holder.required?.includes(key) ?? false });
  rowsOf(root, child, join(at, key), into);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function typeOf(root: JsonSchema, node: JsonSchema): string {
  if (node.$ref) {
    const { name, node: def } = defOf(root, node.$ref);
    return `[${def.title ?? name}](#${anchorOf(name)})`;
  }
  const values = node.enum && `one of ${node.enum.map(code).join(', ')}`;
  if (node.title) return values ? `${node.title}: ${values}` : node.title;
  if (node.const !== undefined) return code(node.const);
  if (values) return values;
  const variants = node.oneOf ?? node.anyOf;
  if (variants) {
    if (variants.every(isObject)) return 'object (one of the kinds below)';
    return variants.map((v) => typeOf(root, v)).join(' or ');
  }
  if (node.type === 'array' && node.items) return `list of ${typeOf(root, node.items)}${node.minItems ? `, at least ${node.minItems}` : ''}`;
  if (node.type === 'object') {
    if (node.properties) return 'object';
    const value = typeof node.additionalProperties === 'object' ? typeOf(root, node.additionalProperties) : 'anything';
    return `map of ${node.propertyNames ? typeOf(root, node.propertyNames) : 'text'} → ${value}`;
  }
  if (Array.isArray(node.type)) return node.type.join(' or ');
  if (node.type === 'integer' || node.type === 'number') {
    // zod bounds every integer by the safe range: only the plan's own bounds are news.
    const min = node.minimum !== undefined && Math.abs(node.minimum) < Number.MAX_SAFE_INTEGER ? node.minimum : undefined;
    const max = node.maximum !== undefined && Math.abs(node.maximum) < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
    const bounds = min !== undefined && max !== undefined ? ` ${min}–${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';
    return `${node.type}${bounds}`;
  }
  if (node.type === 'string') {
    if (node.format) return `${node.format === 'uri' ? 'URL' : node.format}`;
    if (node.pattern) return `text matching \`${node.pattern}\``;
    return node.minLength ? 'text (not empty)' : 'text';
  }
  return String(node.type ?? 'anything');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A value as it is written in a plan: YAML, quoted where YAML needs it (`">"`, `"#channel"`). */
function code(value: unknown): string {
  const text = stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trimEnd();
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function seedText(seed: string | string[] | undefined): string {
  if (seed === undefined) return '';
  return (Array.isArray(seed) ? seed : [seed]).join(', ');
}

function table(root: JsonSchema, rows: Row[]): string[] {
  const lines = ['| Field | Type | Default | Description | Example | Seed |', '|---|---|---|---|---|---|'];
  for (const { path, node, required } of rows) {
    const { description, examples, 'x-seed': seed } = node;
    const type = typeOf(root, node) + (required ? ', **required**' : '');
    const fallback = node.default === undefined ? '' : code(node.default);
    const example = examples?.length ? examples.map(code).join(', ') : '';
    lines.push(`| \`${cell(path)}\` | ${cell(type)} | ${cell(fallback)} | ${cell(description ?? '')} | ${cell(example)} | ${seedText(seed)} |`);
  }
  return lines;
}

/** Where each `$defs` entry is used, by path, in the order the walk meets them. */
function usesOfDefs(root: JsonSchema, sections: { name: string; rows: Row[] }[]): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const note = (ref: string, path: string) => {
    const name = ref.slice(DEF_PREFIX.length);
    uses.set(name, [...(uses.get(name) ?? []), path]);
  };
  for (const section of sections) {
    for (const { path, node } of section.rows) {
      const [inner, at] =
        node.type === 'array'
          ? [node.items, `${path}[]`]
          : typeof node.additionalProperties === 'object'
            ? [node.additionalProperties, `${path}.<name>`]
            : [node, path];
      if (inner?.$ref && hasSection(defOf(root, inner.$ref).node)) note(inner.$ref, section.name === 'Plan' ? at : `${section.name} ${at}`);
    }
  }
  return uses;
}

export function planReference(root: JsonSchema = planJsonSchema()): string {
  const planRows: Row[] = [];
  rowsOf(root, root, '', planRows);
  const objectDefs = Object.entries(root.$defs ?? {}).filter(([, def]) => hasSection(def));
  const sections = [
    { name: 'Plan', rows: planRows },
    ...objectDefs.map(([name, def]) => {
      const rows: Row[] = [];
      rowsOf(root, def, '', rows);
      return { name, rows };
    }),
  ];
  const uses = usesOfDefs(root, sections);
  const scalarDefs = Object.entries(root.$defs ?? {}).filter(([name]) => !objectDefs.some(([other]) => other === name));
  const lines = [
    '<!-- Generated by `npm run docs:plan` from the zod schema (src/plan/language); do not edit. -->',
    '# Plan reference',
    '',
    root.description ?? '',
    '',
    'A plan is one YAML file in `plans/`. Start it with the line',
    '',
    '```yaml',
    PLAN_SCHEMA_MODELINE,
    '```',
    '',
    `so that an editor with the YAML language server completes and checks it against [plan.schema.json](plan.schema.json), and check it with \`rollback plan validate <file>\`, which also checks what a schema cannot say (a trigger decided by exactly one table, names that refer to each other). The schema and this page are generated from the same source; \`rollback plan schema\` prints the schema.`,
    '',
    'Paths: `a.b` is field `b` of object `a`; `a[]` an entry of list `a`; `a.<name>` an entry of map `a`, under a name you choose; `a[type=x]` applies to entries whose `type` is `x`. **Seed** names the runbook an example comes from; each has its plan in `plans/`, where the example can be seen in context: 000 Rollback Triggers for Reserves v1.1 (`reserves-v11.yaml`), 001 Rollback Plan (`webapp-5-level.yaml`), 002 Sprint #1 Rollback Plan (`lens-sprint1-canary.yaml`), 003 Rollback Drill Playbook (`monetization-drill.yaml`), 004 Genesis Production Rollback Procedures (`genesis-phase4.yaml`).',
    '',
    '## Values',
    '',
    `- **quantity**: ${QUANTITY_HINT}; a quantity (fraction) takes a percentage, a quantity (time) a time.`,
    `- **range**: a band of quantities: ${RANGE_HINT}.`,
    ...scalarDefs.map(
      ([name, def]) =>
        `- <a id="${anchorOf(name)}"></a>**${def.title ?? name}**: ${def.description ?? ''}${def.examples?.length ? ` Example: ${code(def.examples[0])}.` : ''}`,
    ),
    '',
  ];
  for (const section of sections) {
    const def = root.$defs?.[section.name];
    lines.push(section.name === 'Plan' ? '## Plan' : `## <a id="${anchorOf(section.name)}"></a>${def?.title ?? section.name}`, '');
    if (def?.description) lines.push(def.description, '');
    const usedAt = uses.get(section.name);
    if (usedAt) lines.push(`Used at ${usedAt.map((p) => `\`${p}\``).join(', ')}.`, '');
    lines.push(...table(root, section.rows), '');
  }
  return lines.join('\n');
}
