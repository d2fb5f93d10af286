/**
 * CachedKeys in front of real PostgreSQL stores: a node's (read through the cache, its
 * watch listening) and an operator's (`gust keys`, writing from another connection).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { keyHeard } from '../../test/helpers/key-heard.js';
import { waitUntil } from '../../test/helpers/wait.js';
import { AccessKeys } from './access-keys.js';
import { CachedKeys } from './cached-keys.js';
import { SecretBox } from './secret-box.js';
import { accessKeysChannel, PgAccessKeyStore } from '../store/postgres/pg-access-key-store.js';
import { PgChannelWatch } from '../store/postgres/pg-channel-watch.js';
import { testPostgres } from '../store/postgres/testing/test-postgres.js';

const pg = await testPostgres('cachedkeys');
const watches: PgChannelWatch[] = [];
afterEach(async () => {
  for (const w of watches.splice(0)) await w.close();
});

/** A node's cached view and an operator's keys on one fresh schema, and a way around both (SQL that notifies no one). */
async function setUp() {
  const schema = pg.newSchema();
  const box = new SecretBox(randomBytes(32));
  const operator = new AccessKeys(await PgAccessKeyStore.open(schema), box);
  const watch = await PgChannelWatch.open({ connectionString: pg.connectionString, channel: accessKeysChannel(schema.name), report: () => {}, backoffMs: 20 });
  watches.push(watch);
  const node = new CachedKeys(new AccessKeys(await PgAccessKeyStore.open(schema), box), watch);
  const silentlyDelete = (id: string) => schema.execute(`DELETE FROM ${schema.table('access_keys')} WHERE access_key_id = $1`, [id]);
  await operator.createAccount({ accountId: '111122223333' });
  return { operator, watch, node, silentlyDelete };
}

describe.skipIf(pg.skip !== undefined)('CachedKeys with a PostgreSQL watch', () => {
  it('keeps what it read until a key is written anywhere, then reads again', async () => {
    const { operator, watch, node, silentlyDelete } = await setUp();
    expect(await node.any()).toBe(false);
    const made = await keyHeard(operator, watch, node, '111122223333');

    // A change no one announced is not seen: what the node read is kept, not asked again.
    await silentlyDelete(made.accessKeyId);
    expect(await node.lookup(made.accessKeyId)).toEqual({ accountId: '111122223333', secretAccessKey: made.secretAccessKey });
    expect(await node.any()).toBe(true);

    // A removal through the store is: the key stops verifying once its note arrives.
    const other = await operator.createKey('111122223333');
    expect(await node.lookup(other.accessKeyId)).toBeDefined();
    await operator.removeKey(other.accessKeyId);
    await waitUntil(async () => (await node.lookup(other.accessKeyId)) === undefined, 2_000, 'the removed key to stop verifying');
    expect(await node.lookup(made.accessKeyId)).toBeUndefined();
    expect(await node.any()).toBe(false);
  });

  it('reads through to the store while its watch is lost, and keeps again once it listens', async () => {
    const { operator, watch, node, silentlyDelete } = await setUp();
    const made = await operator.createKey('111122223333');
    const kept = await operator.createKey('111122223333');
    await waitUntil(async () => (await node.lookup(made.accessKeyId)) !== undefined && (await node.lookup(kept.accessKeyId)) !== undefined, 5_000, 'both keys to be read');

    await pg.pool.query('SELECT pg_terminate_backend($1)', [watch.pid]);
    await waitUntil(() => !watch.live, 5_000, 'the watch to notice it was ended');
    // Deleted with no note while nothing listens: read through, it is gone at once.
    await silentlyDelete(made.accessKeyId);
    expect(await node.lookup(made.accessKeyId)).toBeUndefined();

    await waitUntil(() => watch.live, 5_000, 'the watch to listen again');
    expect(await node.lookup(kept.accessKeyId)).toBeDefined();
    await silentlyDelete(kept.accessKeyId);
    expect(await node.lookup(kept.accessKeyId)).toBeDefined();
  });
});
