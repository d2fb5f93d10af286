// Bundles the compiled CLI (dist/cli/main.js) and the packages it uses into a few files
// under dist/bundle/cli/, which bin/gust.js runs: Node then resolves, reads and compiles a
// handful of modules instead of several hundred, which is most of `gust serve`'s start-up.
// What is loaded lazily stays lazy (each dynamic import becomes a chunk of its own).
//
// The output sits three folders below the package root, as every compiled module of
// src/<subsystem>/<folder>/ does, so that paths made from `import.meta.url` (the runtimes'
// and the console's files) find the same place from the bundle as from dist/.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';
import { pruneBundle } from './prune-bundle.js';

/** Written last: dist/runtimes/ is complete (see gust-runtimes.ts). */
const RUNTIMES_BUILT = 'dist/runtimes/.built';

const BUNDLE_DIR = 'dist/bundle/cli';

const cli = await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // A package's ES module build where it has one: a dynamic import() of a CommonJS build
  // gets only `default` (a bundler cannot know CommonJS's export names).
  mainFields: ['module', 'main'],
  target: 'node20',
  // A native addon, and pg's optional native binding, load from node_modules as they are;
  // so do Fastify's schema compilers, which Gust's routes never ask for (http/schema-compilers.ts):
  // a megabyte of source every start would otherwise parse.
  external: ['better-sqlite3', 'pg-native', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as gustBundleRequire } from 'node:module'; const require = gustBundleRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
});
pruneBundle(BUNDLE_DIR, Object.keys(cli.metafile.outputs).map((path) => basename(path)));

// dist/runtimes/: runtimes/ as it is, but with the Node.js bootstrap and the modules it
// imports in one file, which gust serve runs when it is newer than every file of runtimes/
// (src/sandbox/runtimes/gust-runtimes.ts). A fresh Node process spent ~5 ms resolving,
// reading and linking the bootstrap's ten ES modules on every cold start (bare spawn →
// response 38.0 → 33.2 ms). The files the bootstrap finds beside it at run time (the
// warm-up handler, the module-path hooks registered by URL) are the copies' own.
rmSync('dist/runtimes', { recursive: true, force: true });
cpSync('runtimes', 'dist/runtimes', { recursive: true, filter: (src) => !src.includes('__pycache__') });
await build({
  entryPoints: ['runtimes/node/bootstrap.mjs'],
  outfile: 'dist/runtimes/node/bootstrap.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  // The oldest Node.js a nodejs runtime may run (gust runtimes install).
  target: 'node18',
  logLevel: 'warning',
});
writeFileSync(RUNTIMES_BUILT, '');
