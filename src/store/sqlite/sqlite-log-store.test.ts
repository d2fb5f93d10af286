import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { runLogStoreContract } from '../log-store.contract.js';
import { SqliteLogStore } from './sqlite-log-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-log-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
runLogStoreContract('SQLite', {
  async create(retention) {
    return SqliteLogStore.open(join(root, `contract-${counter++}.db`), retention ? { retention } : {});
  },
});

describe('SqliteLogStore', () => {
  const event = (message: string) => ({ logGroup: '/aws/lambda/f', logStream: 's', timestamp: 1, message });

  it('buffers appends and writes them in one batch on its timer or when the buffer fills', async () => {
    const path = join(root, 'batch.db');
    const clock = new ManualClock();
    const store = SqliteLogStore.open(path, { clock, flushIntervalMs: 200, maxBufferedEvents: 10 });
    const reader = new Database(path, { readonly: true });
    const count = () => (reader.prepare('SELECT count(*) AS n FROM log_events').get() as { n: number }).n;
    try {
      store.append([event('a')]);
      store.append([event('b')]);
      expect(count()).toBe(0);
      clock.advance(199);
      expect(count()).toBe(0);
      clock.advance(1);
      expect(count()).toBe(2);
      store.append(Array.from({ length: 10 }, (_, i) => event(`x${i}`)));
      expect(count()).toBe(12);
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('uses WAL with synchronous=NORMAL and keeps events across a reopen', async () => {
    const path = join(root, 'reopen.db');
    const store = SqliteLogStore.open(path);
    store.append([event('kept')]);
    await store.close();
    const again = SqliteLogStore.open(path);
    try {
      expect((await again.query({ logGroup: '/aws/lambda/f' })).events.map((e) => e.message)).toEqual(['kept']);
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    } finally {
      await again.close();
    }
  });

  it('appends after close are dropped, not thrown', async () => {
    const store = SqliteLogStore.open(':memory:');
    await store.close();
    expect(() => store.append([event('late')])).not.toThrow();
  });
});
