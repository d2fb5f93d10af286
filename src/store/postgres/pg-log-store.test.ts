import { describe } from 'vitest';
import { runLogStoreContract } from '../log-store.contract.js';
import { PgLogStore } from './pg-log-store.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('log');

describe.skipIf(pg.skip !== undefined)('PgLogStore', () => {
  runLogStoreContract('PostgreSQL', {
    async create(retention) {
      return PgLogStore.open(pg.newSchema(), retention ? { retention } : {});
    },
  });
});
