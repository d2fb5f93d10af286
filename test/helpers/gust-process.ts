/**
 * `gust serve` as users run it: a real child process (`node bin/gust.js serve --port 0`),
 * its URL read from the 'gust listening' log line, its log lines kept for the test to read.
 * bin/gust.js runs the compiled dist/: call `buildGust()` in beforeAll.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll } from 'vitest';
import { killProcessesMentioning } from './processes.js';
import { dropTestDatabase, TEST_ON_POSTGRES, testStoreOf } from './test-store.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  lambda: LambdaClient;
  exited: Promise<number | null>;
  /** Every line the server wrote to stdout so far (pino's JSON lines). */
  lines(): string[];
}

/** Builds dist/ when the sources are newer (scripts/build-if-needed.js). */
export function buildGust(): void {
  execFileSync(process.execPath, ['scripts/build-if-needed.js'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Starts `gust serve --port 0 --data-dir <dataDir> --log-level info` with `args`; resolves
 * once it listens. With GUST_TEST_STORE=postgres, and no `--store` in `args`, its state goes
 * to the data dir's own database (test-store.ts), found again by a restart on the same data dir.
 */
export async function serve(dataDir: string, args: string[] = []): Promise<ServerProcess> {
  const store = TEST_ON_POSTGRES && !args.includes('--store') ? ['--store', await testStoreOf(dataDir)] : [];
  // A process-driver server boots no runtimes ahead unless the suite asks: its start-up probe
  // would boot two per installed runtime (eight here) in each of the one to three servers a
  // suite runs, beside other suites. Their own suite is test/sandbox/process-ready.spec.ts.
  const ready = args.includes('process') && !args.includes('--ready-sandboxes') ? ['--ready-sandboxes', '0'] : [];
  const child = spawn(process.execPath, [join(ROOT, 'bin/gust.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...store, ...ready, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  let partial = '';
  return new Promise((resolveServer, reject) => {
    let found = false;
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      if (found) return;
      const listening = parts.find((line) => line.includes('gust listening'));
      if (!listening) return;
      found = true;
      const url = (JSON.parse(listening) as { url: string }).url;
      const lambda = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
      resolveServer({ child, url, exited, lambda, lines: () => [...lines] });
    });
    void exited.then((code) => {
      if (!found) reject(new Error(`gust serve exited (${code}) before listening: ${stderr}`));
    });
  });
}

/** SIGTERM and wait, unless the server has exited already. */
export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.lambda.destroy();
  server.child.kill('SIGTERM');
  await server.exited;
}

/** A suite that kills `gust serve` and starts it again on the same data dir. */
export interface CrashRig {
  readonly dataDir: string;
  /** Where the suite's functions write what they saw. */
  readonly out: string;
  /** The server now running, if any; stopped after the suite. */
  server: ServerProcess | undefined;
}

/** Call inside `describe`: builds Gust and makes the folders before the suite, cleans up after it. */
export function crashRig(prefix: string): CrashRig {
  const rig: { dataDir: string; out: string; server: ServerProcess | undefined } = { dataDir: '', out: '', server: undefined };
  beforeAll(() => {
    buildGust();
    rig.dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    rig.out = mkdtempSync(join(tmpdir(), `${prefix}-out-`));
  }, 180_000);
  afterAll(async () => {
    await stopServer(rig.server);
    // Runtimes orphaned by a SIGKILL (they live under the data dir's env-tmp).
    killProcessesMentioning(rig.dataDir);
    rmSync(rig.dataDir, { recursive: true, force: true });
    if (TEST_ON_POSTGRES) await dropTestDatabase(rig.dataDir);
    rmSync(rig.out, { recursive: true, force: true });
  });
  return rig;
}
