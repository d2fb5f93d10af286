// Lint: typescript-eslint's recommended rules, plus the import arrows of
// docs/architecture.md: a zone lists the folders that `target` may NOT import from.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const layers = ['core', 'store', 'control', 'invoke', 'pool', 'runtime-api', 'sandbox', 'triggers', 'logs', 'metrics', 'http', 'server', 'cli'];
// What each folder may import (besides itself). Everything may import core.
const allowed = {
  core: [],
  store: ['core'],
  sandbox: ['core'],
  'runtime-api': ['core'],
  logs: ['core'],
  metrics: ['core'],
  control: ['core', 'store'],
  pool: ['core', 'sandbox', 'runtime-api', 'logs', 'metrics'],
  invoke: ['core', 'store', 'control', 'pool', 'logs', 'metrics'],
  http: ['core', 'control', 'invoke', 'logs', 'metrics', 'store'],
  triggers: ['core', 'control', 'invoke', 'store'],
  server: layers,
  // The CLI talks to a server over HTTP; it imports server/ only to run `gust serve`.
  cli: ['core', 'server'],
};

const zones = [];
for (const [target, ok] of Object.entries(allowed)) {
  for (const from of layers) {
    if (from === target || ok.includes(from)) continue;
    zones.push({ target: `./src/${target}`, from: `./src/${from}`, message: `src/${target} may not import src/${from} (see docs/architecture.md).` });
  }
  zones.push({ target: `./src/${target}`, from: './runtimes', message: 'runtimes/ run inside sandboxes; src/ only spawns them.' });
}
zones.push({ target: './runtimes', from: './src', message: 'runtimes/ import nothing from src/.' });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.gust/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs', 'runtimes/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
