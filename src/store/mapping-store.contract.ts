/**
 * The behaviour every MappingStore must have, as one vitest suite; each implementation's
 * test file calls `runMappingStoreContract` with a factory (see mapping-store.ts).
 */
import { describe, expect, it } from 'vitest';
import type { EventSourceMapping } from '../core/model/event-source-mappings.js';
import type { MappingStore } from './mapping-store.js';
import { openedStores } from './testing/opened-stores.js';

export interface MappingStoreFactory {
  create(): Promise<MappingStore>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<MappingStore>;
}

/** A mapping with test defaults. */
export function sampleMapping(uuid: string, over: Partial<EventSourceMapping> = {}): EventSourceMapping {
  return {
    uuid,
    eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    functionName: 'f',
    batchSize: 10,
    maximumBatchingWindowInSeconds: 0,
    reportBatchItemFailures: false,
    enabled: true,
    state: 'Enabled',
    stateTransitionReason: 'USER_INITIATED',
    lastProcessingResult: 'No records processed',
    tags: {},
    lastModified: 1_000,
    ...over,
  };
}

export function runMappingStoreContract(factory: MappingStoreFactory): void {
  describe('MappingStore contract', () => {
    const stores = openedStores(() => factory.create());
    const create = stores.open;

    it('stores every field, lists by UUID and returns copies', async () => {
      const store = await create();
      const full = sampleMapping('b', {
        qualifier: 'live',
        filters: ['{"body":{"a":[1]}}'],
        reportBatchItemFailures: true,
        maximumConcurrency: 7,
        onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq',
        tags: { team: 'x' },
      });
      await store.putMapping(full);
      await store.putMapping(sampleMapping('a'));
      const all = await store.listMappings();
      expect(all.map((m) => m.uuid)).toEqual(['a', 'b']);
      expect(all[1]).toEqual(full);
      all[1]!.filters!.push('mutated');
      expect((await store.listMappings())[1]).toEqual(full);
    });

    it('replaces a mapping under its UUID, and deletes (twice is a no-op)', async () => {
      const store = await create();
      await store.putMapping(sampleMapping('a'));
      await store.putMapping(sampleMapping('a', { batchSize: 3, state: 'Disabled', enabled: false }));
      expect(await store.listMappings()).toEqual([sampleMapping('a', { batchSize: 3, state: 'Disabled', enabled: false })]);
      await store.deleteMapping('a');
      await store.deleteMapping('a');
      expect(await store.listMappings()).toEqual([]);
    });

    it.skipIf(!factory.reopen)('keeps mappings across a reopen', async () => {
      const store = await create();
      await store.putMapping(sampleMapping('a', { state: 'Creating' }));
      const again = await stores.reopen(store, factory.reopen!);
      expect(await again.listMappings()).toEqual([sampleMapping('a', { state: 'Creating' })]);
    });
  });
}
