import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PgLockSession } from './pg-lock-session.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('locks');
const opened: PgLockSession[] = [];

async function session(): Promise<PgLockSession> {
  const s = await PgLockSession.open({ connectionString: pg.connectionString, report: () => {}, backoffMs: 20 });
  opened.push(s);
  return s;
}

/** A lock name no other test (or parallel file) uses. */
const name = () => `test-${randomBytes(6).toString('hex')}`;

async function until(check: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

describe.skipIf(pg.skip !== undefined)('PgLockSession', () => {
  it('lets one session at a time hold a slot, and each slot apart', async () => {
    const [a, b] = [await session(), await session()];
    const key = name();
    expect(await a.tryLock(key, 0)).toBe(true);
    expect(await a.tryLock(key, 0)).toBe(false);
    expect(await b.tryLock(key, 0)).toBe(false);
    expect(await b.tryLock(key, 1)).toBe(true);
    await a.unlock(key, 0);
    expect(await b.tryLock(key, 0)).toBe(true);
    expect(await a.tryLock(key, 0)).toBe(false);
  });

  it('takes the first free slot of a count, across sessions and for takes sent together', async () => {
    const [a, b] = [await session(), await session()];
    const key = name();
    expect(await b.tryLockFirst(key, 3)).toBe(0);
    // Sent before any answer: each gets a slot of its own, none taken twice by the session.
    expect((await Promise.all([a.tryLockFirst(key, 3), a.tryLockFirst(key, 3), a.tryLockFirst(key, 3)])).sort()).toEqual([1, 2, undefined]);
    expect(await b.tryLockFirst(key, 3)).toBeUndefined();
    await a.unlock(key, 1);
    expect(await b.tryLockFirst(key, 3)).toBe(1);
    expect(await a.tryLockFirst(key, 3)).toBeUndefined();
    // A slot given back is free for the session that gave it.
    await a.unlock(key, 2);
    expect(await a.tryLockFirst(key, 3)).toBe(2);
    expect(await a.tryLockFirst(key, 0)).toBeUndefined();
  });

  it('frees what a session held once it is ended by the server, and tells it', async () => {
    const [a, b] = [await session(), await session()];
    const key = name();
    let lost = 0;
    a.onLost(() => lost++);
    expect(await a.tryLock(key, 0)).toBe(true);
    await pg.pool.query('SELECT pg_terminate_backend($1)', [a.pid]);
    await until(() => lost === 1);
    expect(await b.tryLock(key, 0)).toBe(true);
    // Reconnected, it holds nothing and takes what is free again.
    await until(() => a.pid !== undefined);
    expect(await a.tryLock(key, 0)).toBe(false);
    expect(await a.tryLock(key, 1)).toBe(true);
    expect(lost).toBe(1);
  });

  it('holds nothing while lost and unlocks nothing of a session it lost', async () => {
    const [a, b] = [await session(), await session()];
    const key = name();
    expect(await a.tryLock(key, 0)).toBe(true);
    await pg.pool.query('SELECT pg_terminate_backend($1)', [a.pid]);
    await until(() => a.pid === undefined, 2_000).catch(() => undefined);
    expect(await b.tryLock(key, 0)).toBe(true);
    await until(() => a.pid !== undefined);
    await a.unlock(key, 0);
    expect(await a.tryLock(key, 0)).toBe(false);
  });
});
