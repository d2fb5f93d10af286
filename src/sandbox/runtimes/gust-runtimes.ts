/**
 * Gust's own `runtimes/` directory (the code that runs inside sandboxes): the node and python
 * bootstraps and gust-init's source. Found relative to this module, which sits three levels
 * below the package root in both src/ and dist/.
 */
import { fileURLToPath } from 'node:url';

/** `runtimes/` of the package, without a trailing slash. */
export function gustRuntimesDir(): string {
  return fileURLToPath(new URL('../../../runtimes/', import.meta.url)).replace(/\/$/, '');
}

/** The bootstrap of each language, relative to its directory under runtimes/. */
export const BOOTSTRAPS = {
  nodejs: { dir: 'node', file: 'bootstrap.mjs' },
  python: { dir: 'python', file: 'bootstrap.py' },
} as const;
