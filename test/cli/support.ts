/**
 * Running the `gust` CLI as users run it: `node bin/gust.js` spawned as a real process,
 * with the server's endpoint in GUST_ENDPOINT.
 *
 * bin/gust.js runs the compiled dist/, so suites call `buildCli` first: a no-op when dist/
 * is newer than src/ (as under `npm test`, which builds first), a `tsc` build otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Each CLI run is a fresh Node process loading the SDK (0.3 to 2 s on a busy 2-core machine).
export const SLOW = { timeout: 90_000 };

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function buildCli(): void {
  execFileSync(process.execPath, ['scripts/build-if-needed.js'], { cwd: ROOT, stdio: 'pipe' });
}

/** Runs `gust <args>` in `cwd` against `endpoint`, with `env` added to the environment. */
export function runGust(args: string[], options: { cwd: string; endpoint: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/gust.js'), ...args], {
      cwd: options.cwd,
      env: { ...process.env, GUST_ENDPOINT: options.endpoint, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Expects `gust <args>` to have succeeded with nothing on stderr, and returns its stdout. */
export function succeeded(run: Run, args: string[]): string {
  expect(run.stderr, args.join(' ')).toBe('');
  expect(run.code, args.join(' ')).toBe(0);
  return run.stdout;
}
