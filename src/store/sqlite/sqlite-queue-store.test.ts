import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { runQueueStoreContract } from '../queue-store.contract.js';
import { SqliteQueueStore } from './sqlite-queue-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-sqs-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let last = '';
describe('on the calling thread', () => {
  runQueueStoreContract({
    async create() {
      last = join(root, `sqs-${n++}.db`);
      return SqliteQueueStore.open(last);
    },
    async reopen() {
      return SqliteQueueStore.open(last);
    },
  });
});

describe('on a writer thread', () => {
  runQueueStoreContract({
    async create() {
      last = join(root, `sqs-${n++}.db`);
      return SqliteQueueStore.open(last, { writerThread: true });
    },
    async reopen() {
      return SqliteQueueStore.open(last, { writerThread: true });
    },
  });
});
