import { describe, expect, it } from 'vitest';
import { PgNodeStore } from './pg-node-store.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('nodes');

describe.skipIf(pg.skip !== undefined)('PgNodeStore', () => {
  it('keeps one row per node, its heartbeat on the database clock, until the node removes it', async () => {
    const store = await PgNodeStore.open(pg.newSchema());
    await store.beat({ id: 'a', url: 'http://127.0.0.1:1', startedAt: '2026-01-01T00:00:00.000Z', environments: 0, invocations: 0 });
    await store.beat({ id: 'b', url: 'http://127.0.0.1:2', startedAt: '2026-01-01T00:00:01.000Z', environments: 3, invocations: 1 });
    const [first] = await store.list();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.beat({ id: 'a', url: 'http://127.0.0.1:1', startedAt: '2026-01-01T00:00:00.000Z', environments: 2, invocations: 2 });
    const nodes = await store.list();
    expect(nodes.map((n) => [n.id, n.url, n.startedAt, n.environments, n.invocations])).toEqual([
      ['a', 'http://127.0.0.1:1', '2026-01-01T00:00:00.000Z', 2, 2],
      ['b', 'http://127.0.0.1:2', '2026-01-01T00:00:01.000Z', 3, 1],
    ]);
    expect(Date.parse(nodes[0]!.lastHeartbeat)).toBeGreaterThan(Date.parse(first!.lastHeartbeat));
    await store.remove('a');
    await store.remove('a');
    expect((await store.list()).map((n) => n.id)).toEqual(['b']);
    expect(await store.removeSilent(60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await store.removeSilent(10)).toEqual(['b']);
    expect(await store.list()).toEqual([]);
  });

  it("keeps one cluster id and secret per database, the same for every node's store, and others for another database", async () => {
    const schema = pg.newSchema();
    const [a, b] = await Promise.all([PgNodeStore.open(schema), PgNodeStore.open(schema)]);
    const cluster = await a.cluster();
    expect(cluster.id).toMatch(/^[0-9a-f]{12}$/);
    expect(cluster.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await b.cluster()).toEqual(cluster);
    const other = await (await PgNodeStore.open(pg.newSchema())).cluster();
    expect([other.id === cluster.id, other.secret === cluster.secret]).toEqual([false, false]);
  });
});
