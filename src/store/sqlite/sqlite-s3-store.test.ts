import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runS3StoreContract } from '../s3-store.contract.js';
import { openDurableDatabase } from './open-database.js';
import { s3Migrations, SqliteS3Store } from './sqlite-s3-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-s3-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let last = '';
runS3StoreContract({
  async create() {
    last = join(root, `s3-${n++}.db`);
    return SqliteS3Store.open(last, '000000000000');
  },
  async reopen() {
    return SqliteS3Store.open(last, '000000000000');
  },
});

describe('SqliteS3Store migrations', () => {
  it('gives the buckets and waiting notifications of a database older than owners to the server account it is opened with', async () => {
    const path = join(root, 'before-owners.db');
    const old = openDurableDatabase(path, s3Migrations('unused').slice(0, 2));
    old.prepare('INSERT INTO buckets (name, doc) VALUES (?, ?)').run('photos', JSON.stringify({ name: 'photos', createdAt: 1, region: 'us-east-1', tags: {}, notifications: [] }));
    const waiting = ['resize', 'function:resize:live', '999999999999:function:f', 'arn:aws:lambda:us-east-1:999999999999:function:f', 'arn:aws:sqs:us-east-1:999999999999:q'];
    for (const destination of waiting) old.prepare('INSERT INTO outbox (destination, payload) VALUES (?, ?)').run(destination, '{}');
    old.close();
    const store = SqliteS3Store.open(path, '123456789012');
    try {
      expect((await store.bucket('photos'))?.owner).toBe('123456789012');
      expect((await store.buckets('123456789012')).map((b) => b.name)).toEqual(['photos']);
      expect((await store.pendingNotifications(10)).map((n) => n.destination)).toEqual([
        '123456789012:function:resize',
        '123456789012:function:resize:live',
        ...waiting.slice(2),
      ]);
    } finally {
      await store.close();
    }
  });
});
