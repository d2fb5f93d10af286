/**
 * CachedKeys under a SqliteFileWatch on a real auth.db: the server's cached view of the keys
 * (over its own connection) and an operator's writes through another connection, as `gust
 * keys` makes them from another process (inotify sees the file, whoever wrote it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { keyHeard } from '../../test/helpers/key-heard.js';
import { waitUntil } from '../../test/helpers/wait.js';
import { AccessKeys } from './access-keys.js';
import { CachedKeys } from './cached-keys.js';
import { SecretBox } from './secret-box.js';
import { SqliteAccessKeyStore } from '../store/sqlite/sqlite-access-key-store.js';
import { SqliteFileWatch } from '../store/sqlite/sqlite-file-watch.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'gust-file-watch-'));
  const path = join(dir, 'auth.db');
  const box = new SecretBox(randomBytes(32));
  const serverStore = SqliteAccessKeyStore.open(path);
  const operatorStore = SqliteAccessKeyStore.open(path);
  const reports: string[] = [];
  const watch = SqliteFileWatch.open(path, (err, context) => reports.push(`${context}: ${err.message}`));
  const node = new CachedKeys(new AccessKeys(serverStore, box), watch);
  const operator = new AccessKeys(operatorStore, box);
  cleanups.push(async () => {
    await watch.close();
    await serverStore.close();
    await operatorStore.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, watch, node, operator, reports };
}

describe('CachedKeys with a SqliteFileWatch', () => {
  it('is live on a database in WAL mode, and reads do not move its generation', async () => {
    const { watch, node, operator } = setUp();
    await operator.createAccount({ accountId: '111122223333' });
    await settle();
    expect(watch.live).toBe(true);
    const before = watch.generation;
    for (let i = 0; i < 50; i++) await node.any();
    await settle();
    expect(watch.generation).toBe(before);
  });

  it("keeps what it read until another connection commits, then reads again", async () => {
    const { watch, node, operator } = setUp();
    await operator.createAccount({ accountId: '111122223333' });
    expect(await node.any()).toBe(false);

    const made = await keyHeard(operator, watch, node, '111122223333');

    await operator.removeKey(made.accessKeyId);
    await waitUntil(async () => (await node.lookup(made.accessKeyId)) === undefined, 5_000, 'the removed key to stop verifying');
    expect(await node.any()).toBe(false);
  });

  it('a cached answer is kept, not asked again, while nothing was written', async () => {
    const { path, node, operator } = setUp();
    await operator.createAccount({ accountId: '111122223333' });
    const made = await operator.createKey('111122223333');
    await waitUntil(async () => (await node.lookup(made.accessKeyId)) !== undefined, 5_000, 'the key to be read');
    await settle();
    // Read through a connection that is not the cache's: the store still has the key...
    const raw = new Database(path, { readonly: true });
    cleanups.push(() => void raw.close());
    expect(raw.prepare('SELECT count(*) AS n FROM access_keys').get()).toEqual({ n: 1 });
    // ...and the cache answers from memory: the same object the first read kept.
    expect(await node.lookup(made.accessKeyId)).toBe(await node.lookup(made.accessKeyId));
  });

  it('stops being live, and says so, when its -wal file is moved away; the cache then reads through', async () => {
    const { path, watch, node, operator, reports } = setUp();
    await operator.createAccount({ accountId: '111122223333' });
    const made = await operator.createKey('111122223333');
    await waitUntil(async () => (await node.lookup(made.accessKeyId)) !== undefined, 5_000, 'the key to be read');
    renameSync(`${path}-wal`, `${path}-wal.moved`);
    await waitUntil(() => !watch.live, 5_000, 'the watch to notice');
    expect(reports.join('\n')).toMatch(/watch of .*auth\.db-wal lost; reading through: .*auth\.db-wal was removed or replaced/);
    // Both connections still use the WAL they hold open; the cache asks each time.
    await operator.removeKey(made.accessKeyId);
    expect(await node.lookup(made.accessKeyId)).toBeUndefined();
  });

  it('is not live, and says why, when the database has no -wal file to watch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-file-watch-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const reports: string[] = [];
    const watch = SqliteFileWatch.open(join(dir, 'none.db'), (err, context) => reports.push(`${context}: ${err.message}`));
    expect(watch.live).toBe(false);
    expect(reports.join('\n')).toMatch(/cannot watch .*none\.db-wal; reading through: .*ENOENT/);
  });
});
