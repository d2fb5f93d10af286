/**
 * The behaviour every QueueStore must have, as one vitest suite; each implementation's test
 * file calls `runQueueStoreContract` with a factory (see queue-store.ts for the rules).
 */
import { describe, expect, it } from 'vitest';
import type { DeduplicationEntry, QueueRecord, StoredMessage } from '../core/model/queues.js';
import type { QueueStore } from './queue-store.js';
import { openedStores } from './testing/opened-stores.js';

export interface QueueStoreFactory {
  create(): Promise<QueueStore>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<QueueStore>;
}

/** A queue with test defaults. */
export function sampleQueue(name: string, over: Partial<QueueRecord> = {}): QueueRecord {
  return { name, fifo: name.endsWith('.fifo'), attributes: { VisibilityTimeout: '30' }, tags: {}, createdAt: 1_000, lastModifiedAt: 1_000, ...over };
}

/** A message with test defaults. */
export function sampleMessage(queue: string, seq: number, over: Partial<StoredMessage> = {}): StoredMessage {
  return {
    queue,
    seq,
    id: `id-${seq}`,
    body: `body ${seq}`,
    md5OfBody: 'md5',
    messageAttributes: {},
    sentAt: 2_000,
    senderId: '000000000000',
    state: { visibleAt: 0, receiveCount: 0 },
    ...over,
  };
}

function sampleDedup(queue: string, id: string, expiresAt: number): DeduplicationEntry {
  return { queue, deduplicationId: id, messageId: `m-${id}`, sequenceNumber: '00000000000000000001', expiresAt };
}

export function runQueueStoreContract(factory: QueueStoreFactory): void {
  describe('QueueStore contract', () => {
    const stores = openedStores(() => factory.create());
    const create = stores.open;

    it('stores queues, lists them by name, replaces them and returns copies', async () => {
      const store = await create();
      await store.write([{ kind: 'putQueue', queue: sampleQueue('b', { tags: { team: 'x' } }) }, { kind: 'putQueue', queue: sampleQueue('a.fifo') }]);
      await store.write([{ kind: 'putQueue', queue: sampleQueue('b', { attributes: { VisibilityTimeout: '5' }, tags: { team: 'y' } }) }]);
      const queues = await store.queues();
      expect(queues.map((q) => q.name)).toEqual(['a.fifo', 'b']);
      expect(queues[1]).toEqual(sampleQueue('b', { attributes: { VisibilityTimeout: '5' }, tags: { team: 'y' } }));
      queues[1]!.tags.team = 'mutated';
      expect((await store.queues())[1]!.tags.team).toBe('y');
    });

    it('keeps every field of a message, binary attributes included, in seq order', async () => {
      const store = await create();
      const full = sampleMessage('q', 7, {
        body: 'héllo \u{1F600}',
        messageAttributes: { blob: { dataType: 'Binary', binaryValue: Buffer.from([0, 1, 255]) }, n: { dataType: 'Number.int', stringValue: '42' } },
        md5OfMessageAttributes: 'abc',
        traceHeader: 'Root=1-x',
        md5OfMessageSystemAttributes: 'def',
        groupId: 'g',
        deduplicationId: 'd',
        sequenceNumber: '00000000000000000007',
        deadLetterSourceArn: 'arn:aws:sqs:us-east-1:000000000000:src',
        state: { visibleAt: 9_000, receiveCount: 2, firstReceiveAt: 3_000 },
      });
      await store.write([{ kind: 'putQueue', queue: sampleQueue('q') }, { kind: 'putMessage', message: full }, { kind: 'putMessage', message: sampleMessage('q', 3) }, { kind: 'putMessage', message: sampleMessage('other', 5) }]);
      const messages = await store.messages('q');
      expect(messages.map((m) => m.seq)).toEqual([3, 7]);
      expect(messages[1]).toEqual(full);
      expect(Buffer.isBuffer(messages[1]!.messageAttributes.blob!.binaryValue)).toBe(true);
      expect(await store.lastSeq()).toBe(7);
    });

    it('moves a message state, deletes messages, and ignores ones that are gone', async () => {
      const store = await create();
      await store.write([{ kind: 'putMessage', message: sampleMessage('q', 1) }, { kind: 'putMessage', message: sampleMessage('q', 2) }]);
      await store.write([
        { kind: 'setMessageState', seq: 1, state: { visibleAt: 5_000, receiveCount: 1, firstReceiveAt: 4_000 } },
        { kind: 'deleteMessage', seq: 2 },
        { kind: 'deleteMessage', seq: 99 },
        { kind: 'setMessageState', seq: 98, state: { visibleAt: 1, receiveCount: 1 } },
      ]);
      const messages = await store.messages('q');
      expect(messages.map((m) => [m.seq, m.state])).toEqual([[1, { visibleAt: 5_000, receiveCount: 1, firstReceiveAt: 4_000 }]]);
      expect(messages[0]!.body).toBe('body 1');
    });

    it('applies the operations of one write in order, the last state change of a message winning', async () => {
      const store = await create();
      await store.write([
        { kind: 'putMessage', message: sampleMessage('q', 1) },
        { kind: 'putMessage', message: sampleMessage('q', 2) },
        { kind: 'setMessageState', seq: 1, state: { visibleAt: 10, receiveCount: 1, firstReceiveAt: 5 } },
        { kind: 'setMessageState', seq: 2, state: { visibleAt: 20, receiveCount: 1 } },
        { kind: 'setMessageState', seq: 1, state: { visibleAt: 30, receiveCount: 2, firstReceiveAt: 5 } },
        { kind: 'deleteMessage', seq: 2 },
        { kind: 'putMessage', message: sampleMessage('q', 3) },
        { kind: 'deleteMessage', seq: 3 },
      ]);
      expect((await store.messages('q')).map((m) => [m.seq, m.state])).toEqual([[1, { visibleAt: 30, receiveCount: 2, firstReceiveAt: 5 }]]);
    });

    it('purges a queue up to a seq, leaving later messages and other queues', async () => {
      const store = await create();
      await store.write([1, 2, 3].map((seq) => ({ kind: 'putMessage' as const, message: sampleMessage('q', seq) })));
      await store.write([{ kind: 'putMessage', message: sampleMessage('r', 4) }, { kind: 'purgeQueue', name: 'q', throughSeq: 2 }]);
      expect((await store.messages('q')).map((m) => m.seq)).toEqual([3]);
      expect((await store.messages('r')).map((m) => m.seq)).toEqual([4]);
    });

    it('deletes a queue with its messages and deduplication ids, and nothing else', async () => {
      const store = await create();
      await store.write([
        { kind: 'putQueue', queue: sampleQueue('a.fifo') },
        { kind: 'putQueue', queue: sampleQueue('b.fifo') },
        { kind: 'putMessage', message: sampleMessage('a.fifo', 1) },
        { kind: 'putMessage', message: sampleMessage('b.fifo', 2) },
        { kind: 'putDeduplication', entry: sampleDedup('a.fifo', 'x', 10_000) },
        { kind: 'putDeduplication', entry: sampleDedup('b.fifo', 'x', 10_000) },
      ]);
      await store.write([{ kind: 'deleteQueue', name: 'a.fifo' }, { kind: 'deleteQueue', name: 'never' }]);
      expect((await store.queues()).map((q) => q.name)).toEqual(['b.fifo']);
      expect(await store.messages('a.fifo')).toEqual([]);
      expect(await store.deduplications('a.fifo')).toEqual([]);
      expect(await store.messages('b.fifo')).toHaveLength(1);
      expect(await store.deduplications('b.fifo')).toEqual([sampleDedup('b.fifo', 'x', 10_000)]);
    });

    it('replaces a deduplication id and forgets the expired ones', async () => {
      const store = await create();
      await store.write([
        { kind: 'putDeduplication', entry: sampleDedup('q.fifo', 'old', 1_000) },
        { kind: 'putDeduplication', entry: sampleDedup('q.fifo', 'new', 5_000) },
        { kind: 'putDeduplication', entry: { ...sampleDedup('q.fifo', 'new', 6_000), messageId: 'm-replaced' } },
      ]);
      await store.write([{ kind: 'expireDeduplications', before: 2_000 }]);
      expect(await store.deduplications('q.fifo')).toEqual([{ ...sampleDedup('q.fifo', 'new', 6_000), messageId: 'm-replaced' }]);
    });

    it('applies a write all or nothing', async () => {
      const store = await create();
      await store.write([{ kind: 'putMessage', message: sampleMessage('q', 1) }]);
      // A second message with seq 1 breaks the key: the delete before it must not stay.
      await expect(store.write([{ kind: 'deleteMessage', seq: 1 }, { kind: 'putMessage', message: sampleMessage('q', 2) }, { kind: 'putMessage', message: sampleMessage('q', 2) }])).rejects.toThrow();
      expect((await store.messages('q')).map((m) => m.seq)).toEqual([1]);
    });

    it.runIf(factory.reopen !== undefined)('keeps what was written across a close and a reopen', async () => {
      const store = await create();
      await store.write([{ kind: 'putQueue', queue: sampleQueue('q') }, { kind: 'putMessage', message: sampleMessage('q', 4, { state: { visibleAt: 7, receiveCount: 3 } }) }]);
      const again = await stores.reopen(store, factory.reopen!);
      expect((await again.queues()).map((q) => q.name)).toEqual(['q']);
      expect(await again.messages('q')).toEqual([sampleMessage('q', 4, { state: { visibleAt: 7, receiveCount: 3 } })]);
      expect(await again.lastSeq()).toBe(4);
    });
  });
}
