/**
 * The behaviour every S3Store must have, as one vitest suite; each implementation's test
 * file calls `runS3StoreContract` with a factory (see s3-store.ts for the rules).
 */
import { describe, expect, it } from 'vitest';
import type { BucketRecord, ObjectRecord, PartRecord } from '../core/model/buckets.js';
import type { S3Store } from './s3-store.js';
import { openedStores } from './testing/opened-stores.js';

export interface S3StoreFactory {
  create(): Promise<S3Store>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<S3Store>;
}

function bucket(name: string, over: Partial<BucketRecord> = {}): BucketRecord {
  return { name, owner: '000000000000', createdAt: 1_000, region: 'us-east-1', tags: {}, notifications: [], ...over };
}

function object(b: string, key: string, over: Partial<ObjectRecord> = {}): ObjectRecord {
  return { bucket: b, key, hash: 'a'.repeat(64), size: 3, etag: '"e"', lastModified: 2_000, contentType: 'text/plain', headers: {}, metadata: {}, tags: {}, checksums: {}, ...over };
}

function part(uploadId: string, partNumber: number, hash: string): PartRecord {
  return { uploadId, partNumber, hash, size: 5, etag: `"p${partNumber}"`, lastModified: 3_000 };
}

const note = (destination: string, payload = '{}') => ({ destination, payload });

export function runS3StoreContract(factory: S3StoreFactory): void {
  describe('S3Store contract', () => {
    const stores = openedStores(() => factory.create());
    const create = stores.open;

    it('stores buckets by name, replaces them and returns copies', async () => {
      const store = await create();
      await store.putBucket(bucket('b'));
      await store.putBucket(bucket('a', { tags: { team: 'x' } }));
      await store.putBucket(bucket('a', { tags: { team: 'y' }, notifications: [{ id: 'n', functionArn: 'arn:f', events: ['s3:ObjectCreated:*'], prefix: 'in/' }] }));
      const all = await store.buckets();
      expect(all.map((b) => b.name)).toEqual(['a', 'b']);
      all[0]!.tags.team = 'mutated';
      expect((await store.bucket('a'))?.tags).toEqual({ team: 'y' });
      expect((await store.bucket('a'))?.notifications[0]?.prefix).toBe('in/');
      expect(await store.bucket('zz')).toBeUndefined();
    });

    it('keeps each bucket\'s owner and lists one owner\'s buckets, or all of them', async () => {
      const store = await create();
      await store.putBucket(bucket('b', { owner: '111111111111' }));
      await store.putBucket(bucket('a'));
      await store.putBucket(bucket('c', { owner: '111111111111' }));
      expect((await store.bucket('b'))?.owner).toBe('111111111111');
      expect((await store.buckets('111111111111')).map((b) => b.name)).toEqual(['b', 'c']);
      expect((await store.buckets('000000000000')).map((b) => b.name)).toEqual(['a']);
      expect(await store.buckets('222222222222')).toEqual([]);
      expect((await store.buckets()).map((b) => [b.name, b.owner])).toEqual([['a', '000000000000'], ['b', '111111111111'], ['c', '111111111111']]);
      await store.putBucket(bucket('c', { owner: '000000000000' }));
      expect((await store.buckets('111111111111')).map((b) => b.name)).toEqual(['b']);
    });

    it('refuses to delete a bucket that holds an object or an upload', async () => {
      const store = await create();
      await store.putBucket(bucket('b'));
      await store.putObject(object('b', 'k'), []);
      expect(await store.deleteBucket('b')).toBe(false);
      await store.deleteObject('b', 'k', () => []);
      await store.putUpload({ uploadId: 'u', bucket: 'b', key: 'k', initiatedAt: 1, contentType: 'x', headers: {}, metadata: {}, tags: {} });
      expect(await store.deleteBucket('b')).toBe(false);
      await store.deleteUpload('u');
      expect(await store.deleteBucket('b')).toBe(true);
      expect(await store.bucket('b')).toBeUndefined();
    });

    it('lists keys in UTF-8 byte order from a prefix, after a key, up to a limit', async () => {
      const store = await create();
      const keys = ['b/2', 'a', 'b/1', 'b/\u00e9', 'b/z', 'c', 'b0'];
      for (const k of keys) await store.putObject(object('x', k), []);
      await store.putObject(object('y', 'b/other'), []);
      const list = async (prefix: string, after: string, limit: number) => (await store.listObjects('x', { prefix, after, limit })).map((o) => o.key);
      expect(await list('', '', 100)).toEqual(['a', 'b/1', 'b/2', 'b/z', 'b/\u00e9', 'b0', 'c']);
      expect(await list('b/', '', 100)).toEqual(['b/1', 'b/2', 'b/z', 'b/\u00e9']);
      expect(await list('b/', 'b/2', 2)).toEqual(['b/z', 'b/\u00e9']);
      expect(await list('b/', 'a', 1)).toEqual(['b/1']);
      expect(await list('', '', 0)).toEqual([]);
      expect(await store.usage('x')).toEqual({ objects: 7, bytes: 21 });
    });

    it('orders keys by UTF-8 bytes where that differs from UTF-16 code units', async () => {
      // U+FF61 is EF BD A1 in UTF-8 and U+1F600 is F0 9F 98 80: bytes put U+FF61 first,
      // while JavaScript's code units (0xFF61 against the surrogate 0xD83D) would not.
      const store = await create();
      for (const k of ['k\u{1F600}', 'k\uFF61', 'k\u00e9', 'k~']) await store.putObject(object('x', k), []);
      expect((await store.listObjects('x', { prefix: 'k', after: '', limit: 10 })).map((o) => o.key)).toEqual(['k~', 'k\u00e9', 'k\uFF61', 'k\u{1F600}']);
      expect((await store.listObjects('x', { prefix: 'k', after: 'k\uFF61', limit: 10 })).map((o) => o.key)).toEqual(['k\u{1F600}']);
    });

    it('replaces an object and returns the one replaced; a delete returns what it removed', async () => {
      const store = await create();
      expect(await store.putObject(object('b', 'k', { etag: '"1"' }), [])).toBeUndefined();
      expect((await store.putObject(object('b', 'k', { etag: '"2"', hash: 'b'.repeat(64) }), []))?.etag).toBe('"1"');
      expect(await store.referenced('a'.repeat(64))).toBe(false);
      expect(await store.referenced('b'.repeat(64))).toBe(true);
      expect((await store.deleteObject('b', 'k', () => []))?.etag).toBe('"2"');
      expect(await store.deleteObject('b', 'k', () => [note('never')])).toBeUndefined();
      expect(await store.pendingNotifications(10)).toEqual([]);
      expect(await store.referenced('b'.repeat(64))).toBe(false);
    });

    it('enqueues notifications with their write, in order, until each is deleted', async () => {
      const store = await create();
      await store.putObject(object('b', 'k'), [note('f1', '{"n":1}'), note('f2', '{"n":2}')]);
      await store.deleteObject('b', 'k', (removed) => [note('f3', JSON.stringify({ key: removed.key }))]);
      const pending = await store.pendingNotifications(10);
      expect(pending.map((p) => [p.destination, p.payload])).toEqual([['f1', '{"n":1}'], ['f2', '{"n":2}'], ['f3', '{"key":"k"}']]);
      expect(pending[0]!.seq).toBeLessThan(pending[1]!.seq);
      await store.deleteNotification(pending[0]!.seq);
      expect((await store.pendingNotifications(1)).map((p) => p.destination)).toEqual(['f2']);
    });

    it('keeps a notification\'s trace header, and none on a notification without one', async () => {
      const store = await create();
      const traceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
      await store.putObject(object('b', 'k'), [{ ...note('f1', '{}'), traceHeader }, note('f2', '{}')]);
      const [traced, plain] = await store.pendingNotifications(10);
      expect(traced).toEqual({ seq: traced!.seq, destination: 'f1', payload: '{}', traceHeader });
      expect(plain).toEqual({ seq: plain!.seq, destination: 'f2', payload: '{}' });
    });

    it('enqueues a bucket change\'s notifications (test events) with it', async () => {
      const store = await create();
      await store.putBucket(bucket('b', { notifications: [{ id: 'q', queueArn: 'arn:aws:sqs:us-east-1:000000000000:q', events: ['s3:ObjectCreated:*'] }] }), [note('arn:aws:sqs:us-east-1:000000000000:q', '{"Event":"s3:TestEvent"}')]);
      expect((await store.bucket('b'))?.notifications[0]?.queueArn).toBe('arn:aws:sqs:us-east-1:000000000000:q');
      expect((await store.pendingNotifications(5)).map((p) => p.payload)).toEqual(['{"Event":"s3:TestEvent"}']);
    });

    it('enqueues notifications of changes made elsewhere after those already waiting, keeping the buckets as they are', async () => {
      const store = await create();
      await store.putBucket(bucket('b', { external: true }), [note('first')]);
      await store.enqueueNotifications([note('f1', '{"n":1}'), note('f2', '{"n":2}')]);
      expect((await store.pendingNotifications(5)).map((p) => p.destination)).toEqual(['first', 'f1', 'f2']);
      expect((await store.bucket('b'))?.external).toBe(true);
      expect(await store.usage('b')).toEqual({ objects: 0, bytes: 0 });
    });

    it('keeps parts by number, replaces a part, and completes an upload into an object in one step', async () => {
      const store = await create();
      await store.putUpload({ uploadId: 'u1', bucket: 'b', key: 'big', initiatedAt: 5, contentType: 'x', headers: {}, metadata: { a: '1' }, tags: {} });
      await store.putUpload({ uploadId: 'u0', bucket: 'b', key: 'a', initiatedAt: 9, contentType: 'x', headers: {}, metadata: {}, tags: {} });
      expect((await store.uploads('b')).map((u) => u.uploadId)).toEqual(['u0', 'u1']);
      await store.putPart(part('u1', 2, 'c'.repeat(64)));
      expect(await store.putPart(part('u1', 1, 'd'.repeat(64)))).toBeUndefined();
      expect((await store.putPart(part('u1', 1, 'e'.repeat(64))))?.hash).toBe('d'.repeat(64));
      expect((await store.parts('u1')).map((p) => [p.partNumber, p.hash[0]])).toEqual([[1, 'e'], [2, 'c']]);
      expect(await store.referenced('c'.repeat(64))).toBe(true);
      await store.completeUpload('u1', object('b', 'big', { parts: 2 }), [note('f')]);
      expect(await store.upload('u1')).toBeUndefined();
      expect(await store.parts('u1')).toEqual([]);
      expect(await store.referenced('c'.repeat(64))).toBe(false);
      expect((await store.object('b', 'big'))?.parts).toBe(2);
      expect(await store.pendingNotifications(5)).toHaveLength(1);
      expect((await store.deleteUpload('u0'))).toEqual([]);
    });

    it.skipIf(!factory.reopen)('keeps everything across a reopen', async () => {
      let store = await create();
      await store.putBucket(bucket('b', { owner: '111111111111' }));
      await store.putObject(object('b', 'k', { metadata: { m: 'v' } }), [note('f')]);
      store = await stores.reopen(store, () => factory.reopen!());
      expect((await store.buckets('111111111111')).map((b) => b.name)).toEqual(['b']);
      expect((await store.object('b', 'k'))?.metadata).toEqual({ m: 'v' });
      expect(await store.pendingNotifications(5)).toHaveLength(1);
      await store.putObject(object('b', 'k2'), [note('g')]);
      const seqs = (await store.pendingNotifications(5)).map((p) => p.seq);
      expect(seqs[0]).toBeLessThan(seqs[1]!);
    });
  });
}
