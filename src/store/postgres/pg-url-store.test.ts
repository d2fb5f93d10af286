import { describe } from 'vitest';
import { runUrlStoreContract } from '../url-store.contract.js';
import { PgUrlStore } from './pg-url-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('url');

describe.skipIf(pg.skip !== undefined)('PgUrlStore', () => {
  let last: PgSchema;
  runUrlStoreContract({
    async create() {
      last = pg.newSchema();
      return PgUrlStore.open(last);
    },
    async reopen() {
      return PgUrlStore.open(last);
    },
  });
});
