import { describe } from 'vitest';
import { runQueueStoreContract } from '../queue-store.contract.js';
import { PgQueueStore } from './pg-queue-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('queue');

describe.skipIf(pg.skip !== undefined)('PgQueueStore', () => {
  let last: PgSchema;
  runQueueStoreContract({
    async create() {
      last = pg.newSchema();
      return PgQueueStore.open(last);
    },
    async reopen() {
      return PgQueueStore.open(last);
    },
  });
});
