/**
 * A FunctionService on the real embedded stores in a temporary directory, with a manual
 * clock: the set-up the control-plane and async-queue unit tests share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { LambdaError } from '../../src/core/errors.js';
import type { CreateFunctionInput } from '../../src/control/function-inputs.js';
import { FunctionService } from '../../src/control/function-service.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { SqliteMetadataStore } from '../../src/store/sqlite/sqlite-metadata-store.js';
import { makeZip } from './zips.js';

export const TEST_PARTITION = { region: 'us-east-1', accountId: '000000000000' };
export const TEST_ROLE = 'arn:aws:iam::000000000000:role/r';

/** A zip holding `index.js` with `source`. */
export function handlerZip(source = 'exports.handler = async () => 1;'): Promise<Buffer> {
  return makeZip({ 'index.js': source });
}

/** The smallest valid CreateFunction input: a nodejs20.x function with `zip` as its code. */
export function nodeFunction(name: string, zip: Buffer): CreateFunctionInput {
  return { functionName: name, runtime: 'nodejs20.x', role: TEST_ROLE, handler: 'index.handler', code: { zipFile: zip } };
}

/** Lets queued lock work (the Pending → Active step, change events) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** The AWS type and message a call failed with; throws when it succeeded or failed otherwise. */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<{ type: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof LambdaError) return { type: err.awsType, message: err.message };
    throw err;
  }
  throw new Error('expected a failure');
}

export interface FunctionFixture {
  dir: string;
  store: SqliteMetadataStore;
  blobs: FsBlobStore;
  clock: ManualClock;
  functions: FunctionService;
  /** Lets pending work settle, closes the store and removes the directory. */
  close(): Promise<void>;
}

/** A loaded FunctionService over SQLite and the file-system blob store in a new temp dir. */
export async function openFunctionFixture(options: { startMs: number; accountConcurrencyLimit?: number }): Promise<FunctionFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gust-control-'));
  const store = SqliteMetadataStore.open(join(dir, 'gust.db'));
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const clock = new ManualClock(options.startMs);
  const functions = new FunctionService({
    store,
    blobs,
    partition: TEST_PARTITION,
    clock,
    ...(options.accountConcurrencyLimit === undefined ? {} : { accountConcurrencyLimit: options.accountConcurrencyLimit }),
  });
  await functions.load();
  return {
    dir,
    store,
    blobs,
    clock,
    functions,
    async close() {
      await settle();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
