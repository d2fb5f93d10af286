import { describe } from 'vitest';
import { runEventQueueContract } from '../event-queue.contract.js';
import { PgEventQueue } from './pg-event-queue.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('event_queue');

describe.skipIf(pg.skip !== undefined)('PgEventQueue', () => {
  let last: PgSchema;
  runEventQueueContract({
    async create(options) {
      last = pg.newSchema();
      return PgEventQueue.open(last, options);
    },
    async reopen() {
      return PgEventQueue.open(last);
    },
  });
});
