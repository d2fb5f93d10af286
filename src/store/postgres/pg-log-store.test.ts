import { describe, expect, it } from 'vitest';
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

  it('never moves a follow cursor past an event another node has not committed yet', async () => {
    const G = '/aws/lambda/f';
    const schema = pg.newSchema();
    const nodeB = await PgLogStore.open(schema);
    const reader = await PgLogStore.open(schema);
    nodeB.append([{ logGroup: G, logStream: 's', timestamp: 1, message: 'first' }]);
    await nodeB.flush();
    const start = await reader.query({ logGroup: G });
    expect(start.events.map((e) => e.message)).toEqual(['first']);

    // Node A is in the middle of a batch, as PgLogStore writes one: the group locked, an
    // event inserted, not committed yet.
    const nodeA = await pg.pool.connect();
    try {
      await nodeA.query('BEGIN');
      await nodeA.query(`SELECT id FROM ${schema.table('log_groups')} WHERE name = $1 FOR UPDATE`, [G]);
      await nodeA.query(
        `INSERT INTO ${schema.table('log_events')} (group_id, stream, ts, ingested, bytes, message) SELECT id, 's', 2, 0, 28, $2 FROM ${schema.table('log_groups')} WHERE name = $1`,
        [G, Buffer.from('from A')],
      );
      // Node B's batch waits for A's lock before it takes an id.
      nodeB.append([{ logGroup: G, logStream: 's', timestamp: 3, message: 'from B' }]);
      const bWrote = nodeB.flush();
      const waiting = () => pg.pool.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%log_groups%FOR UPDATE%' AND query NOT LIKE '%pg_stat_activity%'");
      while ((await waiting()).rowCount === 0) await new Promise((resolve) => setImmediate(resolve));
      const during = await reader.query({ logGroup: G, after: start.cursor });
      expect(during.events).toEqual([]);
      await nodeA.query('COMMIT');
      await bWrote;
      const after = await reader.query({ logGroup: G, after: during.cursor });
      expect(after.events.map((e) => e.message)).toEqual(['from A', 'from B']);
    } finally {
      nodeA.release();
      await nodeB.close();
      await reader.close();
    }
  });
});
