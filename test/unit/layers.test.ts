// The arrows between src's modules run one way (README, "How it fits together"): a module
// imports only from layers below it, types included. And workflow code, which runs in
// Temporal's sandbox, reaches at run time only the Temporal workflow packages: no zod (the
// plan schema), no Node built-ins. Read from the import statements of src/**/*.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(__dirname, '../../src');

/** Lowest first. Modules in one layer do not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['plan'],
  ['policy'],
  ['validation', 'adapters'],
  ['activities'],
  ['workflows'],
  ['config', 'incidents', 'report'],
  ['api', 'cli', 'worker', 'demo'],
];

/** What workflow code may import at run time (values, not types). */
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

interface Import {
  file: string;
  line: number;
  specifier: string;
  /** The src file it names, for relative imports. */
  target?: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function resolveRelative(file: string, specifier: string): string {
  const base = resolve(dirname(file), specifier);
  const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${relative(SRC, file)}: cannot resolve "${specifier}"`);
  return found;
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false; // a side-effect import
    if (clause.isTypeOnly) return true;
    const named = clause.namedBindings;
    return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const named = node.exportClause;
  return named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

const cache = new Map<string, Import[]>();

function importsOf(file: string): Import[] {
  const known = cache.get(file);
  if (known) return known;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const imports: Import[] = [];
  for (const node of source.statements) {
    if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node))) continue;
    if (!node.moduleSpecifier || !ts.isStringLiteral(node.moduleSpecifier)) continue;
    const specifier = node.moduleSpecifier.text;
    imports.push({
      file,
      line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      specifier,
      ...(specifier.startsWith('.') ? { target: resolveRelative(file, specifier) } : {}),
      typeOnly: isTypeOnly(node),
    });
  }
  cache.set(file, imports);
  return imports;
}

/** "workflows" for src/workflows/rollback.ts, "config" for src/config.ts. */
function moduleOf(file: string): string {
  return relative(SRC, file).split('/')[0].replace(/\.ts$/, '');
}

function layerOf(module: string): number {
  return LAYERS.findIndex((layer) => layer.includes(module));
}

const where = (i: Import) => `src/${relative(SRC, i.file)}:${i.line}`;

/** Imports that point sideways or up the layers. */
function wrongWayImports(files: readonly string[]): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    for (const i of importsOf(file)) {
      if (!i.target) continue;
      const from = moduleOf(file);
      const to = moduleOf(i.target);
      if (from === to) continue;
      if (layerOf(to) >= layerOf(from)) {
        wrong.push(`${where(i)} ${from} → ${to}${i.typeOnly ? ' (type)' : ''}: ${i.specifier}`);
      }
    }
  }
  return wrong;
}

/** Packages the workflow bundle would contain: value imports followed from the entry. */
function packagesReachedFrom(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of importsOf(file)) {
      if (i.typeOnly) continue;
      if (i.target) queue.push(i.target);
      else if (!packages.has(i.specifier)) packages.set(i.specifier, where(i));
    }
  }
  return packages;
}

const files = sourceFiles(SRC);

test('every module of src has a layer', () => {
  const modules = [...new Set(files.map(moduleOf))].sort();
  expect(modules.filter((m) => layerOf(m) < 0)).toEqual([]);
});

test('imports point down the layers: plan → policy → validation, adapters → activities → workflows → incidents, report → api, cli, worker', () => {
  expect(wrongWayImports(files)).toEqual([]);
});

test('a wrong-way import is caught, types included', () => {
  // Activities once imported a record type from the workflow's messages.
  const file = join(SRC, 'activities', '__probe__.ts');
  cache.set(file, [{ file, line: 1, specifier: '../workflows/messages', target: join(SRC, 'workflows', 'messages.ts'), typeOnly: true }]);
  expect(wrongWayImports([file])).toEqual(['src/activities/__probe__.ts:1 activities → workflows (type): ../workflows/messages']);
});

test('workflow code reaches only the Temporal workflow packages at run time (no zod, no Node built-ins)', () => {
  const reached = packagesReachedFrom(join(SRC, 'workflows', 'index.ts'));
  const others = [...reached].filter(([name]) => !WORKFLOW_PACKAGES.includes(name)).map(([name, at]) => `${name} (from ${at})`);
  expect(others).toEqual([]);
});
