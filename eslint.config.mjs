// The house rules a machine can check (DESIGN.md, "Lint"): typescript-eslint's recommended
// type-checked rules (no `any` leaking through, no `async` without an `await`, …), promises
// are awaited or marked, type-only imports say so, a module is imported once per file,
// modules do not import each other in a circle, and workflow and policy code never reaches
// for Node's built-ins or randomness.
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const HOUSE_RULES = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
  'import-x/no-cycle': 'error',
  'import-x/no-duplicates': ['error', { 'prefer-inline': true }],
  '@typescript-eslint/no-unnecessary-type-assertion': 'error',
  // As tsc's noUnusedParameters: a `_`-named parameter is unused on purpose; `{ type: _, ...rest }` drops a field.
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
};

const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'child_process', 'net', 'http', 'https', 'crypto', 'os', 'path', 'process', 'timers'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'test/fixtures/**', 'eslint.config.mjs', 'jest.config.js'] },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    rules: HOUSE_RULES,
  },
  {
    files: ['src/workflows/**/*.ts', 'src/policy/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: NODE_BUILTINS, message: 'workflows and policy stay deterministic: no Node built-ins' }] }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'no randomness in workflows and policy' },
      ],
    },
  },
);
