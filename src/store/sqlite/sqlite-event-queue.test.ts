import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runEventQueueContract, sampleEvent } from '../event-queue.contract.js';
import { SqliteEventQueue } from './sqlite-event-queue.js';

const root = mkdtempSync(join(tmpdir(), 'gust-queue-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
for (const writerThread of [false, true]) {
  describe(writerThread ? 'with a writer thread' : 'writing on the calling thread', () => {
    let last = '';
    runEventQueueContract({
      async create(options) {
        last = join(root, `queue-${n++}.db`);
        return SqliteEventQueue.open(last, { ...options, writerThread });
      },
      async reopen() {
        return SqliteEventQueue.open(last, { writerThread });
      },
    });
  });
}

describe('SqliteEventQueue', () => {
  it('runs in WAL mode with synchronous FULL, and a committed write is visible to another connection at once', async () => {
    const path = join(root, 'durable.db');
    const queue = SqliteEventQueue.open(path, { writerThread: true });
    try {
      await queue.write([{ kind: 'putEvent', event: sampleEvent(1) }]);
      const reader = new Database(path, { readonly: true });
      try {
        expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(reader.prepare('SELECT request_id FROM events').pluck().all()).toEqual([sampleEvent(1).requestId]);
      } finally {
        reader.close();
      }
      const own = (queue as unknown as { db: Database.Database }).db;
      // 2 = FULL
      expect(own.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      await queue.close();
    }
  });
});
