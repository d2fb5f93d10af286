/**
 * Shared set-up for the pool suites: a real Pool with the process driver, a real SQLite log
 * store in memory and a ManualClock for keep-alive (test/helpers/processes.ts finds the
 * processes a test left behind).
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/clock.js';
import { newRequestId, newTraceId } from '../../src/core/ids.js';
import type { Runtime } from '../../src/core/limits.js';
import type { FunctionVersion } from '../../src/core/model/functions.js';
import type { InvocationOutcome } from '../../src/core/model/invocation.js';
import { Pool, type InvokableVersion, type PoolOptions } from '../../src/pool/pool.js';
import { ProcessDriver } from '../../src/sandbox/process-driver.js';
import type { SandboxDriver } from '../../src/sandbox/sandbox-driver.js';
import { RuntimeCommandResolver } from '../../src/sandbox/runtime-command.js';
import { HostRuntimeImages } from '../../src/sandbox/runtimes/host-images.js';
import { SqliteLogStore } from '../../src/store/sqlite/sqlite-log-store.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface TestPool {
  pool: Pool;
  /** The pool's sandbox driver, closed by cleanup. */
  driver: SandboxDriver;
  logs: SqliteLogStore;
  clock: ManualClock;
  root: string;
  /** Copies a fixture directory into the test's temp dir and returns the copy. */
  fixture(name: string): string;
  /** Writes files into a new code directory. */
  code(files: Record<string, string>): string;
  cleanup(): Promise<void>;
}

export async function startTestPool(options: Partial<PoolOptions> = {}): Promise<TestPool> {
  const root = mkdtempSync(join(tmpdir(), 'gust-pool-'));
  const clock = new ManualClock(Date.now());
  const logs = SqliteLogStore.open(':memory:');
  const driver = options.driver ?? new ProcessDriver({ tmpRoot: root });
  const pool = new Pool({
    driver,
    commands: new RuntimeCommandResolver(new HostRuntimeImages()),
    logs,
    clock,
    region: 'us-east-1',
    stopGraceMs: 500,
    ...options,
  });
  let n = 0;
  return {
    pool,
    driver,
    logs,
    clock,
    root,
    fixture(name) {
      const dir = join(root, `code-${n++}`);
      cpSync(join(FIXTURES, name), dir, { recursive: true });
      return dir;
    },
    code(files) {
      const dir = join(root, `code-${n++}`);
      for (const [name, content] of Object.entries(files)) {
        const path = join(dir, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
        if (name === 'bootstrap' || name.endsWith('.sh')) chmodSync(path, 0o755);
      }
      return dir;
    },
    async cleanup() {
      await pool.stopAll();
      await driver.close?.();
      await logs.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function testVersion(functionName: string, codeDir: string, over: Partial<FunctionVersion> & { runtime?: Runtime; layerDirs?: string[] } = {}): InvokableVersion {
  const { layerDirs, ...rest } = over;
  return {
    functionName,
    version: '$LATEST',
    description: '',
    runtime: 'provided.al2023',
    role: 'arn:aws:iam::000000000000:role/test',
    handler: 'index.handler',
    timeout: 3,
    memorySize: 128,
    ephemeralStorageMb: 512,
    environment: {},
    layers: [],
    architectures: ['x86_64'],
    packageType: 'Zip',
    codeHash: 'hash',
    codeSha256: 'sha',
    codeSize: 1,
    lastModified: '2026-01-01T00:00:00.000Z',
    revisionId: 'rev-1',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tracingMode: 'PassThrough',
    loggingConfig: { logFormat: 'Text', logGroup: `/aws/lambda/${functionName}` },
    ...rest,
    codeDir,
    layerDirs: layerDirs ?? [],
  };
}

export function invoke(pool: Pool, version: InvokableVersion, payload: string, wantTail = true): Promise<InvocationOutcome> {
  return pool.run(version, {
    requestId: newRequestId(),
    payload: Buffer.from(payload),
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${version.functionName}`,
    traceId: newTraceId(Date.now()),
    wantTail,
  });
}

export function text(r: InvocationOutcome): string {
  return r.payload.toString('utf8');
}
