import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { LAST_BUILD, pruneBundle } from './prune-bundle.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A build: writes `outputs` into the folder, then prunes as scripts/bundle.js does. */
function build(outputs: string[]): string[] {
  for (const name of outputs) writeFileSync(join(dir!, name), name);
  return pruneBundle(dir!, outputs).sort();
}

it("keeps this build's files and the one before's, and removes the rest, starting from the first build that finds a record", () => {
  dir = mkdtempSync(join(tmpdir(), 'gust-prune-'));
  writeFileSync(join(dir, 'chunk-OLD.js'), 'left by a build before any record');
  // No record of an earlier build: a server started from it may still run, so nothing goes.
  expect(build(['main.js', 'chunk-A.js'])).toEqual([]);
  expect(existsSync(join(dir, 'chunk-OLD.js'))).toBe(true);
  // chunk-A is the previous build's: kept one build longer. chunk-OLD is neither's.
  expect(build(['main.js', 'chunk-B.js'])).toEqual(['chunk-OLD.js']);
  expect(build(['main.js', 'chunk-C.js'])).toEqual(['chunk-A.js']);
  expect(readdirSync(dir).sort()).toEqual([LAST_BUILD, 'chunk-B.js', 'chunk-C.js', 'main.js']);
});
