import { describe } from 'vitest';
import { runS3StoreContract } from '../s3-store.contract.js';
import { PgS3Store } from './pg-s3-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('s3');

describe.skipIf(pg.skip !== undefined)('PgS3Store', () => {
  let last: PgSchema;
  runS3StoreContract({
    async create() {
      last = pg.newSchema();
      return PgS3Store.open(last);
    },
    async reopen() {
      return PgS3Store.open(last);
    },
  });
});
