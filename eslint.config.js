// Lint: typescript-eslint's recommended rules, plus the import arrows of
// docs/architecture.md: a zone lists the folders that `target` may NOT import from.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const layers = ['core', 'bus', 'store', 'control', 'invoke', 'pool', 'runtime-api', 'sandbox', 'triggers', 'logs', 'auth', 'http', 'metrics', 'telemetry', 'server', 'cli'];
// What each folder may import (besides itself). Everything may import core.
const allowed = {
  core: [],
  store: ['core'],
  // The cluster's message bus (NATS): notes between nodes, nothing of Gust's own state.
  bus: ['core'],
  sandbox: ['core'],
  'runtime-api': ['core'],
  logs: ['core'],
  control: ['core', 'store'],
  pool: ['core', 'sandbox', 'runtime-api', 'logs'],
  invoke: ['core', 'store', 'control', 'pool', 'logs'],
  // Who is calling: accounts, keys, signature verification, the audit log.
  auth: ['core', 'store'],
  http: ['core', 'control', 'invoke', 'logs', 'auth'],
  triggers: ['core', 'control', 'invoke'],
  // Prometheus metrics and the per-function history: fed by the invoke path's observer, reading views the server hands in.
  metrics: ['core', 'invoke'],
  // What the platform reports about itself: it watches the invoke path through invoke's observer types.
  telemetry: ['core', 'invoke'],
  server: layers,
  // The CLI talks to a server over HTTP; it imports server/ only to run `gust serve`.
  cli: ['core', 'server'],
};

/**
 * The zones of every folder, its `testing/` helpers included. The concrete stores
 * (store/sqlite/) are chosen by the composition root alone: a folder that may import store/
 * gets its interfaces. Unit tests (`*.test.ts`) keep their folder's arrows but may also
 * import store/, sqlite/ included: a test drives the code under test with the real stores.
 */
function zonesFor({ tests }) {
  const zones = [];
  for (const [target, ok] of Object.entries(allowed)) {
    for (const from of layers) {
      if (from === target || ok.includes(from) || (tests && from === 'store')) continue;
      zones.push({ target: `./src/${target}`, from: `./src/${from}`, message: `src/${target} may not import src/${from} (see docs/architecture.md).` });
    }
    if (!tests && target !== 'server' && ok.includes('store')) {
      zones.push({ target: `./src/${target}`, from: './src/store/sqlite', message: `src/${target} may import the store interfaces, not src/store/sqlite: src/server chooses the implementations.` });
    }
    zones.push({ target: `./src/${target}`, from: './runtimes', message: 'runtimes/ run inside sandboxes; src/ only spawns them.' });
  }
  if (!tests) zones.push({ target: './runtimes', from: './src', message: 'runtimes/ import nothing from src/.' });
  if (!tests) zones.push({ target: './console', from: './src', message: 'console/ runs in the browser; it talks to Gust over HTTP only.' });
  return zones;
}

const importRules = (zones) => ({ 'import-x/no-restricted-paths': ['error', { zones }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.gust/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      ...importRules(zonesFor({ tests: false })),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.test.ts'],
    rules: importRules(zonesFor({ tests: true })),
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The web console's modules run in the browser.
    files: ['console/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.cjs', 'runtimes/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
