import { describe } from 'vitest';
import { runRuleStoreContract } from '../rule-store.contract.js';
import { PgRuleStore } from './pg-rule-store.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('rule');

describe.skipIf(pg.skip !== undefined)('PgRuleStore', () => {
  let last: PgSchema;
  runRuleStoreContract('PostgreSQL', {
    async create() {
      last = pg.newSchema();
      return PgRuleStore.open(last);
    },
    async reopen() {
      return PgRuleStore.open(last);
    },
  });
});
