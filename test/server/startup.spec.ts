/**
 * `gust serve` answers /health as soon as it listens (its port opens before the server's
 * modules load: first-listener.ts) and opens the accounts' stores
 * after that (gust-server.ts): a request that arrives meanwhile waits for them and gets
 * the answer a fully started server gives, and a store that cannot be opened still stops
 * the server with its error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFunctionCommand, InvokeCommand, paginateListFunctions, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDataDir, startTestGust } from '../helpers/gust.js';
import { buildGust, ROOT, serve, stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';
import { testRuntimesDir } from '../helpers/runtimes.js';

/** Enough functions that reading them into memory takes the server a while after it listens. */
const FUNCTIONS = 1_500;

async function healthy(url: string): Promise<void> {
  for (;;) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function allFunctionNames(lambda: LambdaClient): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListFunctions({ client: lambda }, {})) names.push(...page.Functions!.map((f) => f.FunctionName!));
  return names;
}

describe('gust serve start-up', () => {
  const dataDir = newDataDir();
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    buildGust();
    const gust = await startTestGust({ dataDir, keepDataDir: true });
    try {
      const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ got: e });\n' });
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < FUNCTIONS) {
            await gust.lambda.send(new CreateFunctionCommand({ FunctionName: `many-${next++}`, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
          }
        }),
      );
    } finally {
      await gust.stop();
    }
  }, 300_000);

  afterAll(async () => {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers ListFunctions and Invoke sent the moment /health first answers as a started server does', async () => {
    server = await serve(dataDir, ['--sandbox', 'process', '--runtimes-dir', testRuntimesDir()]);
    await healthy(server.url);
    const sentBeforeStarted = !server.lines().some((line) => line.includes('gust started'));
    const [names, invoked] = await Promise.all([
      allFunctionNames(server.lambda),
      server.lambda.send(new InvokeCommand({ FunctionName: `many-${FUNCTIONS - 1}`, Payload: Buffer.from('{"n":1}') })),
    ]);
    // Otherwise the requests did not test the wait: the machine opened the stores before they came.
    expect(sentBeforeStarted).toBe(true);
    expect(names).toHaveLength(FUNCTIONS);
    expect(new Set(names)).toEqual(new Set(Array.from({ length: FUNCTIONS }, (_, i) => `many-${i}`)));
    expect(invoked.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ got: { n: 1 } });
  }, 120_000);
});

describe('gust serve that cannot start', () => {
  beforeAll(buildGust, 180_000);

  it('stops with the store\'s error, as it did before it listened first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-startup-bad-'));
    try {
      writeFileSync(join(dir, 'gust.db'), 'not a database, not at all'.repeat(200));
      const child = spawn(process.execPath, [join(ROOT, 'bin/gust.js'), 'serve', '--port', '0', '--data-dir', dir, '--sandbox', 'process', '--runtimes-dir', testRuntimesDir()], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/file is not a database/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('stops with one line when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'gust-startup-port-'));
    try {
      const run = spawnSync(process.execPath, [join(ROOT, 'bin/gust.js'), 'serve', '--port', String(port), '--data-dir', dir, '--sandbox', 'process'], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(`gust serve: cannot listen on 127.0.0.1:${port}: the port is in use (another gust serve?); choose another with --port\n`);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
