import { describe } from 'vitest';
import { runMappingStoreContract } from '../mapping-store.contract.js';
import { PgMappingStore } from './pg-mapping-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('mapping');

describe.skipIf(pg.skip !== undefined)('PgMappingStore', () => {
  let last: PgSchema;
  runMappingStoreContract({
    async create() {
      last = pg.newSchema();
      return PgMappingStore.open(last);
    },
    async reopen() {
      return PgMappingStore.open(last);
    },
  });
});
