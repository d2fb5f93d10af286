/**
 * Starts a real Gust server for a test: a fresh temporary data dir, port 0, silent
 * logs. `stop` closes it and removes the data dir unless `keepDataDir` was asked for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Clock } from '../../src/core/clock.js';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { loadConfig, type GustConfig } from '../../src/server/config.js';
import { startGust, type RunningGust } from '../../src/server/gust-server.js';
import { testRuntimesDir } from './runtimes.js';
import { dropTestDatabase, TEST_ON_POSTGRES, testStoreOf } from './test-store.js';

export interface TestGust {
  gust: RunningGust;
  url: string;
  dataDir: string;
  config: GustConfig;
  /** An SDK client pointed at this server with dummy credentials. */
  lambda: LambdaClient;
  stop(): Promise<void>;
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'gust-test-'));
}

/** Removes a data dir a suite made with {@link newDataDir} and passed to its servers (and its database on PostgreSQL). */
export async function removeDataDir(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (TEST_ON_POSTGRES) await dropTestDatabase(dataDir);
}

/**
 * `env` is what the server's configuration reads besides `flags` (OTEL_* for traces); the
 * worker's own process.env is never read, so suites running in parallel cannot leak into each other.
 */
export async function startTestGust(options: { dataDir?: string; keepDataDir?: boolean; flags?: Record<string, string>; env?: Record<string, string>; eventsClock?: Clock } = {}): Promise<TestGust> {
  const dataDir = options.dataDir ?? newDataDir();
  // GUST_TEST_STORE=postgres runs the suites on PostgreSQL (test-store.ts), unless a suite names its --store.
  const store = options.flags?.store ?? (await testStoreOf(dataDir));
  // Two ready sandboxes per runtime, not the default's demand-grown pool: a suite's bursts
  // would leave dozens booting in the background, competing with the next tests for the CPU.
  const config = loadConfig({ port: '0', dataDir, logLevel: 'silent', runtimesDir: testRuntimesDir(), store, readySandboxes: '2', ...options.flags }, options.env ?? {});
  let gust: RunningGust | undefined;
  try {
    gust = await startGust(config, pino({ level: process.env.GUST_TEST_LOG ?? 'silent' }), options.eventsClock ? { eventsClock: options.eventsClock } : {});
    // As `gust serve` does before its runtime probe: the suites start from a server that has opened its stores.
    await gust.started;
  } catch (err) {
    // A start a suite expects to be refused leaves no server and no data dir of the helper's behind.
    await gust?.close().catch(() => undefined);
    if (!options.dataDir) await removeDataDir(dataDir);
    throw err;
  }
  const lambda = new LambdaClient({
    endpoint: gust.url,
    region: config.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    gust,
    url: gust.url,
    dataDir,
    config,
    lambda,
    async stop() {
      lambda.destroy();
      await gust.close();
      if (!options.keepDataDir && !options.dataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        if (TEST_ON_POSTGRES && options.flags?.store === undefined) await dropTestDatabase(dataDir);
      }
    },
  };
}
