import { describe } from 'vitest';
import { runStoreContract } from '../metadata-store.contract.js';
import { PgMetadataStore } from './pg-metadata-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('metadata');

describe.skipIf(pg.skip !== undefined)('PgMetadataStore', () => {
  let last: PgSchema;
  runStoreContract('PostgreSQL', {
    async create() {
      last = pg.newSchema();
      return PgMetadataStore.open(last);
    },
    async reopen() {
      return PgMetadataStore.open(last);
    },
  });
});
