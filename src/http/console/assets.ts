/**
 * The console's files: its own (the package's `console/` folder) and the browser builds of
 * its three dependencies (preact, htm, uPlot) from the package's node_modules, under
 * `/console/vendor/`. Nothing is fetched from elsewhere, and there is no build step: the
 * browser loads plain ES modules. Files are read once, on first request, and kept.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `src/http/console/` and `dist/http/console/` both sit three folders below the package. */
const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

const require = createRequire(import.meta.url);
/** The package folder of a dependency, from its main entry (their `exports` hide package.json). */
function packageDir(name: string): string {
  const main = require.resolve(name);
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  return main.slice(0, main.lastIndexOf(marker) + marker.length);
}

/** Vendor file → its path in node_modules. */
const VENDOR: Record<string, () => string> = {
  'preact.mjs': () => join(packageDir('preact'), 'dist', 'preact.mjs'),
  'hooks.mjs': () => join(packageDir('preact'), 'hooks', 'dist', 'hooks.mjs'),
  'htm.mjs': () => join(packageDir('htm'), 'dist', 'htm.mjs'),
  'uPlot.esm.js': () => join(packageDir('uplot'), 'dist', 'uPlot.esm.js'),
  'uPlot.min.css': () => join(packageDir('uplot'), 'dist', 'uPlot.min.css'),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** Files found, by path; a path that names nothing is not kept, so requests for made-up names cannot grow it. */
const cache = new Map<string, Asset>();

async function load(file: string): Promise<Asset | undefined> {
  const type = TYPES[extname(file)];
  if (type === undefined) return undefined;
  try {
    return { body: await readFile(file), type };
  } catch {
    return undefined;
  }
}

/** The asset at a path under `/console/` (`app.js`, `pages/x.js`, `vendor/preact.mjs`), or undefined. */
export async function assetAt(relative: string): Promise<Asset | undefined> {
  const cached = cache.get(relative);
  if (cached) return cached;
  const found = await resolveAsset(relative);
  if (found) cache.set(relative, found);
  return found;
}

function resolveAsset(relative: string): Promise<Asset | undefined> {
  if (relative.startsWith('vendor/')) {
    const path = VENDOR[relative.slice('vendor/'.length)];
    return path ? load(path()) : Promise.resolve(undefined);
  }
  // Plain names and one level of folders only: nothing can climb out of the console's folder.
  if (!/^(?:[a-z0-9-]+\/)?[a-z0-9-]+\.[a-z]+$/.test(relative)) return Promise.resolve(undefined);
  return load(join(CONSOLE_DIR, relative));
}

/**
 * The page's Content-Security-Policy: scripts and styles from Gust only, plus the one
 * inline script, the import map (Chromium takes no external one), by its hash.
 */
export function contentSecurityPolicy(html: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  const hash = importMap === undefined ? '' : ` 'sha256-${createHash('sha256').update(importMap).digest('base64')}'`;
  return `default-src 'self'; script-src 'self'${hash}; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}
