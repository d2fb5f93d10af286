import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { currentRuntimesDir } from './gust-runtimes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(): { source: string; built: string } {
  const root = mkdtempSync(join(tmpdir(), 'gust-runtimes-'));
  dirs.push(root);
  const source = join(root, 'runtimes');
  const built = join(root, 'dist', 'runtimes');
  mkdirSync(join(source, 'node'), { recursive: true });
  mkdirSync(join(source, 'python', '__pycache__'), { recursive: true });
  mkdirSync(built, { recursive: true });
  writeFileSync(join(source, 'node', 'bootstrap.mjs'), '');
  writeFileSync(join(source, 'python', '__pycache__', 'x.pyc'), '');
  return { source, built };
}

const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

describe('currentRuntimesDir', () => {
  it("takes the build's copy while its marker is newer than every source file, Python's caches aside", () => {
    const { source, built } = tree();
    expect(currentRuntimesDir(source, built)).toBe(source);
    writeFileSync(join(built, '.built'), '');
    at(join(source, 'node', 'bootstrap.mjs'), 1_000);
    at(join(source, 'python', '__pycache__', 'x.pyc'), 3_000);
    at(join(built, '.built'), 2_000);
    expect(currentRuntimesDir(source, built)).toBe(built);
    // A bootstrap edited since the build runs as written.
    at(join(source, 'node', 'bootstrap.mjs'), 2_500);
    expect(currentRuntimesDir(source, built)).toBe(source);
  });
});
