/**
 * The behaviour every UrlStore must have, as one vitest suite; each implementation's test
 * file calls `runUrlStoreContract` with a factory (see url-store.ts for the rules).
 */
import { describe, expect, it } from 'vitest';
import { ResourceConflictException } from '../core/errors.js';
import type { UrlConfig } from '../core/model/urls.js';
import type { UrlStore } from './url-store.js';
import { openedStores } from './testing/opened-stores.js';

export interface UrlStoreFactory {
  create(): Promise<UrlStore>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<UrlStore>;
}

/** A configuration with test defaults. */
export function sampleUrlConfig(functionName: string, qualifier?: string, over: Partial<UrlConfig> = {}): UrlConfig {
  const id = `${functionName}${qualifier ?? ''}`.toLowerCase().replace(/[^a-z0-9]/g, '').padEnd(32, '0').slice(0, 32);
  return {
    urlId: id,
    functionName,
    ...(qualifier === undefined ? {} : { qualifier }),
    authType: 'NONE',
    creationTime: '2026-01-01T00:00:00.000Z',
    lastModifiedTime: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

export function runUrlStoreContract(factory: UrlStoreFactory): void {
  describe('UrlStore contract', () => {
    const stores = openedStores(() => factory.create());
    const create = stores.open;

    it('stores, lists in order and returns copies', async () => {
      const store = await create();
      const full = sampleUrlConfig('b', 'live', {
        authType: 'AWS_IAM',
        invokeMode: 'RESPONSE_STREAM',
        cors: { allowOrigins: ['https://a.example'], allowMethods: ['GET'], allowCredentials: true, maxAge: 60, allowHeaders: [], exposeHeaders: ['x-a'] },
      });
      await store.putUrlConfig(full);
      await store.putUrlConfig(sampleUrlConfig('b'));
      await store.putUrlConfig(sampleUrlConfig('a', 'z'));
      const all = await store.listUrlConfigs();
      expect(all.map((c) => [c.functionName, c.qualifier])).toEqual([['a', 'z'], ['b', undefined], ['b', 'live']]);
      expect(all[2]).toEqual(full);
      expect((await store.listUrlConfigs('b')).map((c) => c.qualifier)).toEqual([undefined, 'live']);
      expect(await store.listUrlConfigs('none')).toEqual([]);
      all[2]!.cors!.allowOrigins!.push('mutated');
      expect((await store.listUrlConfigs())[2]).toEqual(full);
    });

    it('replaces a configuration under its url-id', async () => {
      const store = await create();
      await store.putUrlConfig(sampleUrlConfig('f'));
      const updated = sampleUrlConfig('f', undefined, { authType: 'AWS_IAM', lastModifiedTime: '2026-02-01T00:00:00.000Z' });
      await store.putUrlConfig(updated);
      expect(await store.listUrlConfigs()).toEqual([updated]);
    });

    it('refuses a second configuration for the same function and qualifier', async () => {
      const store = await create();
      await store.putUrlConfig(sampleUrlConfig('f', 'live'));
      await expect(store.putUrlConfig(sampleUrlConfig('f', 'live', { urlId: 'x'.repeat(32) }))).rejects.toBeInstanceOf(ResourceConflictException);
      await store.putUrlConfig(sampleUrlConfig('f'));
      await expect(store.putUrlConfig(sampleUrlConfig('f', undefined, { urlId: 'y'.repeat(32) }))).rejects.toBeInstanceOf(ResourceConflictException);
      expect(await store.listUrlConfigs()).toHaveLength(2);
    });

    it('deletes, and deleting what is not there is a no-op', async () => {
      const store = await create();
      const a = sampleUrlConfig('a');
      await store.putUrlConfig(a);
      await store.deleteUrlConfig(a.urlId);
      await store.deleteUrlConfig(a.urlId);
      expect(await store.listUrlConfigs()).toEqual([]);
    });

    it.skipIf(!factory.reopen)('keeps configurations across a reopen', async () => {
      const store = await create();
      const a = sampleUrlConfig('a', 'live', { cors: { allowOrigins: ['*'] } });
      await store.putUrlConfig(a);
      const again = await stores.reopen(store, factory.reopen!);
      expect(await again.listUrlConfigs()).toEqual([a]);
    });
  });
}
