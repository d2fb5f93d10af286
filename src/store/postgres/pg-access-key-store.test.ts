import { describe } from 'vitest';
import { runAccessKeyStoreContract } from '../access-key-store.contract.js';
import { PgAccessKeyStore } from './pg-access-key-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('access_key');

describe.skipIf(pg.skip !== undefined)('PgAccessKeyStore', () => {
  let last: PgSchema;
  runAccessKeyStoreContract({
    async create() {
      last = pg.newSchema();
      return PgAccessKeyStore.open(last);
    },
    async reopen() {
      return PgAccessKeyStore.open(last);
    },
  });
});
