import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PgLockSession } from '../store/postgres/pg-lock-session.js';
import { testPostgres } from '../store/postgres/testing/test-postgres.js';
import { blockSizeFor, UnreservedBlocks } from './cluster-concurrency.js';

const pg = await testPostgres('cluster_concurrency');
const opened: PgLockSession[] = [];

/** A node's blocks of one pool: its own lock session, blocks of 5, given back 30 ms after they went spare. */
async function node(key: string): Promise<UnreservedBlocks> {
  const session = await PgLockSession.open({ connectionString: pg.connectionString, report: () => {}, backoffMs: 20 });
  opened.push(session);
  return new UnreservedBlocks(session, key, 5, 30);
}

/** Takes `count` units one after another: the releases of those taken, and how many were refused. */
async function takeMany(blocks: UnreservedBlocks, count: number, pool: number): Promise<{ units: (() => void)[]; refused: number }> {
  const units: (() => void)[] = [];
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const unit = await blocks.take(pool);
    if (unit) units.push(unit);
    else refused++;
  }
  return { units, refused };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 120));

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

describe('blockSizeFor', () => {
  it('is a hundredth of the account limit, at least 1', () => {
    expect([blockSizeFor(1000), blockSizeFor(150), blockSizeFor(6)]).toEqual([10, 1, 1]);
  });
});

describe.skipIf(pg.skip !== undefined)('UnreservedBlocks', () => {
  it('never lets two nodes run more than the pool, and hands spare blocks back for the other', async () => {
    const key = `unreserved.${randomBytes(6).toString('hex')}`;
    const [a, b] = [await node(key), await node(key)];
    // A pool of 20: four blocks of 5. A runs 12 (three blocks), B one block's worth.
    const onA = await takeMany(a, 12, 20);
    const onB = await takeMany(b, 6, 20);
    expect([onA.refused, onB.units.length, onB.refused]).toEqual([0, 5, 1]);
    // A's 3 spare units are its own: B still cannot run more, A can.
    expect((await takeMany(b, 1, 20)).refused).toBe(1);
    const more = await takeMany(a, 4, 20);
    expect([more.units.length, more.refused]).toEqual([3, 1]);
    // A's invocations end: its blocks go back once spare for a while, and B runs the rest.
    for (const release of [...onA.units, ...more.units]) release();
    await settle();
    const rest = await takeMany(b, 16, 20);
    expect([rest.units.length, rest.refused]).toEqual([15, 1]);
  });

  it('takes no block past a shrunk pool, and wins back blocks for what runs after its session was lost', async () => {
    const key = `unreserved.${randomBytes(6).toString('hex')}`;
    const session = await PgLockSession.open({ connectionString: pg.connectionString, report: () => {}, backoffMs: 20 });
    opened.push(session);
    const a = new UnreservedBlocks(session, key, 5, 30);
    const b = await node(key);
    const running = await takeMany(a, 10, 20);
    expect(running.refused).toBe(0);
    // A pool shrunk to 10 (a reservation elsewhere) has two blocks, both A's: B takes none of
    // the two free ones past them.
    expect(await b.take(10)).toBeUndefined();
    // A's session ends: PostgreSQL freed its blocks while its 10 invocations still run.
    await pg.pool.query('SELECT pg_terminate_backend($1)', [session.pid]);
    for (let i = 0; i < 100 && session.pid !== undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 250 && session.pid === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    // B takes two blocks meanwhile. A must cover its 10 with blocks before it runs an 11th,
    // and the two left cover only those.
    const onB = await takeMany(b, 6, 20);
    expect(onB.refused).toBe(0);
    expect(await a.take(20)).toBeUndefined();
    for (const release of [...onB.units, ...running.units]) release();
  });
});
