// Removes what earlier builds left in the bundle's folder. esbuild names chunks by their
// content, so every build that changes one adds files beside the old ones (a dev checkout
// had 140 files where a build makes ~40, and a profile patched a stale copy). A `gust
// serve` started from the previous build imports its lazy chunks by those names, so the
// previous build's files are kept one build longer; the first build that finds no record
// of the one before removes nothing.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file, in the bundle's folder, naming the files of the last build. */
export const LAST_BUILD = '.last-build';

/**
 * Removes the files of `dir` that neither this build (`outputs`, file names) nor the one
 * before made, then records this build's. Returns the names it removed.
 */
export function pruneBundle(dir, outputs) {
  const record = join(dir, LAST_BUILD);
  const current = new Set(outputs);
  const removed = [];
  if (existsSync(record)) {
    const previous = new Set(readFileSync(record, 'utf8').split('\n').filter(Boolean));
    for (const name of readdirSync(dir)) {
      if (name === LAST_BUILD || current.has(name) || previous.has(name)) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  writeFileSync(record, [...current].join('\n') + '\n');
  return removed;
}
