/**
 * The behaviour every EventQueueStore must have, as one vitest suite; each implementation's
 * test file calls `runEventQueueContract` with a factory (see event-queue.ts for the rules).
 */
import { describe, expect, it } from 'vitest';
import type { EventInvokeConfig } from '../core/model/event-invoke-config.js';
import type { EventQueueStore, FailedEvent, StoredEvent } from './event-queue.js';
import { openedStores } from './testing/opened-stores.js';

export interface EventQueueFactory {
  /** A new, empty store; `failedRetention` as the store's option when given. */
  create(options?: { failedRetention?: number }): Promise<EventQueueStore>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<EventQueueStore>;
}

/** An event with test defaults. */
export function sampleEvent(seq: number, over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    seq,
    requestId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    functionName: 'fn',
    payload: Buffer.from(JSON.stringify({ n: seq })),
    enqueuedAt: 1_767_225_600_000 + seq,
    attempts: 0,
    notBefore: 0,
    depth: 0,
    ...over,
  };
}

export function sampleFailed(seq: number, over: Partial<FailedEvent> = {}): FailedEvent {
  return {
    seq,
    requestId: `req-${seq}`,
    functionName: 'fn',
    condition: 'RetriesExhausted',
    attempts: 3,
    enqueuedAt: 1_767_225_600_000,
    failedAt: 1_767_225_700_000,
    error: 'Error: boom',
    sentTo: [],
    payloadPreview: '{}',
    ...over,
  };
}

export function sampleConfig(functionName: string, qualifier: string, over: Partial<EventInvokeConfig> = {}): EventInvokeConfig {
  return { functionName, qualifier, maximumRetryAttempts: 1, lastModified: 1_767_225_600_000, ...over };
}

export function runEventQueueContract(factory: EventQueueFactory): void {
  describe('EventQueueStore contract', () => {
    const stores = openedStores((options?: { failedRetention?: number }) => factory.create(options));
    const create = stores.open;

    it('stores events and returns them in arrival order, byte for byte', async () => {
      const store = await create();
      const binary = sampleEvent(2, { payload: Buffer.from([0, 255, 1, 254]), qualifier: 'live', traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1', lastError: 'Error: x', attempts: 2, notBefore: 99, depth: 3 });
      await store.write([{ kind: 'putEvent', event: sampleEvent(3) }, { kind: 'putEvent', event: binary }, { kind: 'putEvent', event: sampleEvent(1) }]);
      const events = await store.pendingEvents();
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events[1]).toEqual(binary);
      expect(events[0]).toEqual(sampleEvent(1));
      events[1]!.payload[0] = 7;
      expect((await store.pendingEvents())[1]!.payload[0]).toBe(0);
      expect(await store.lastSeq()).toBe(3);
    });

    it('replaces an event under its seq and deletes it', async () => {
      const store = await create();
      await store.write([{ kind: 'putEvent', event: sampleEvent(1) }]);
      const retried = sampleEvent(1, { attempts: 1, notBefore: 5000, lastError: 'Error: boom' });
      await store.write([{ kind: 'putEvent', event: retried }]);
      expect(await store.pendingEvents()).toEqual([retried]);
      await store.write([{ kind: 'deleteEvent', seq: 1 }, { kind: 'deleteEvent', seq: 1 }]);
      expect(await store.pendingEvents()).toEqual([]);
    });

    it('applies the operations of one write in order, a later one on the same event winning', async () => {
      const store = await create();
      await store.write([
        { kind: 'putEvent', event: sampleEvent(1) },
        { kind: 'putEvent', event: sampleEvent(2) },
        { kind: 'putEvent', event: sampleEvent(1, { attempts: 2 }) },
        { kind: 'deleteEvent', seq: 2 },
        { kind: 'putEvent', event: sampleEvent(3) },
        { kind: 'deleteEvent', seq: 3 },
        { kind: 'putEvent', event: sampleEvent(3, { attempts: 5 }) },
      ]);
      expect(await store.pendingEvents()).toEqual([sampleEvent(1, { attempts: 2 }), sampleEvent(3, { attempts: 5 })]);
    });

    it('writes all or nothing', async () => {
      const store = await create();
      await store.write([{ kind: 'putEvent', event: sampleEvent(1) }]);
      // A payload that is not bytes makes the second operation fail inside the write.
      const bad = { kind: 'putEvent', event: { ...sampleEvent(3), payload: undefined } } as unknown as { kind: 'putEvent'; event: StoredEvent };
      await expect(store.write([{ kind: 'deleteEvent', seq: 1 }, { kind: 'putEvent', event: sampleEvent(2) }, bad])).rejects.toThrow();
      expect((await store.pendingEvents()).map((e) => e.seq)).toEqual([1]);
    });

    it('keeps failed events newest first, up to the retention per function', async () => {
      const store = await create({ failedRetention: 3 });
      for (let seq = 1; seq <= 5; seq++) await store.write([{ kind: 'putFailed', failed: sampleFailed(seq) }]);
      await store.write([{ kind: 'putFailed', failed: sampleFailed(6, { functionName: 'other', sentTo: ['arn:x'] }) }]);
      expect((await store.failedEvents('fn', 10)).map((f) => f.seq)).toEqual([5, 4, 3]);
      expect((await store.failedEvents('fn', 2)).map((f) => f.seq)).toEqual([5, 4]);
      expect(await store.failedEvents('other', 10)).toEqual([sampleFailed(6, { functionName: 'other', sentTo: ['arn:x'] })]);
      expect(await store.lastSeq()).toBe(6);
    });

    it('moves an event to the failed events in one write', async () => {
      const store = await create();
      await store.write([{ kind: 'putEvent', event: sampleEvent(1) }]);
      await store.write([{ kind: 'deleteEvent', seq: 1 }, { kind: 'putFailed', failed: sampleFailed(1) }]);
      expect(await store.pendingEvents()).toEqual([]);
      expect(await store.failedEvents('fn', 10)).toHaveLength(1);
      expect(await store.lastSeq()).toBe(1);
    });

    it('stores configurations ordered by function and qualifier, replacing and deleting', async () => {
      const store = await create();
      const full = sampleConfig('b', 'live', { maximumEventAgeInSeconds: 60, onSuccess: 'arn:s', onFailure: 'arn:f' });
      await store.write([
        { kind: 'putConfig', config: full },
        { kind: 'putConfig', config: sampleConfig('b', '$LATEST') },
        { kind: 'putConfig', config: sampleConfig('a', '1') },
      ]);
      expect((await store.listConfigs()).map((c) => [c.functionName, c.qualifier])).toEqual([['a', '1'], ['b', '$LATEST'], ['b', 'live']]);
      expect((await store.listConfigs())[2]).toEqual(full);
      const replaced = sampleConfig('b', 'live', { maximumRetryAttempts: 0 });
      await store.write([{ kind: 'putConfig', config: replaced }, { kind: 'deleteConfig', functionName: 'a', qualifier: '1' }, { kind: 'deleteConfig', functionName: 'a', qualifier: '1' }]);
      expect(await store.listConfigs()).toEqual([sampleConfig('b', '$LATEST'), replaced]);
    });

    it("deletes a function's events, failed events and configurations, and nothing else", async () => {
      const store = await create();
      await store.write([
        { kind: 'putEvent', event: sampleEvent(1) },
        { kind: 'putEvent', event: sampleEvent(2, { functionName: 'keep' }) },
        { kind: 'putFailed', failed: sampleFailed(3) },
        { kind: 'putConfig', config: sampleConfig('fn', '$LATEST') },
        { kind: 'putConfig', config: sampleConfig('keep', '$LATEST') },
      ]);
      await store.write([{ kind: 'deleteFunction', functionName: 'fn' }]);
      expect((await store.pendingEvents()).map((e) => e.functionName)).toEqual(['keep']);
      expect(await store.failedEvents('fn', 10)).toEqual([]);
      expect((await store.listConfigs()).map((c) => c.functionName)).toEqual(['keep']);
    });

    it.skipIf(!factory.reopen)('keeps everything across a reopen', async () => {
      const store = await create();
      await store.write([
        { kind: 'putEvent', event: sampleEvent(1, { qualifier: '3' }) },
        { kind: 'putFailed', failed: sampleFailed(2) },
        { kind: 'putConfig', config: sampleConfig('fn', '3') },
      ]);
      const again = await stores.reopen(store, factory.reopen!);
      expect(await again.pendingEvents()).toEqual([sampleEvent(1, { qualifier: '3' })]);
      expect(await again.failedEvents('fn', 10)).toEqual([sampleFailed(2)]);
      expect(await again.listConfigs()).toEqual([sampleConfig('fn', '3')]);
      expect(await again.lastSeq()).toBe(2);
    });
  });
}
