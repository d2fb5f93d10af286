/**
 * The behaviour every AccessKeyStore must have, as one vitest suite; each implementation's
 * test file calls `runAccessKeyStoreContract` with a factory (see access-key-store.ts).
 */
import { describe, expect, it } from 'vitest';
import { AccessKeyStoreConflict, type AccessKeyStore } from './access-key-store.js';
import { openedStores } from './testing/opened-stores.js';

export interface AccessKeyStoreFactory {
  create(): Promise<AccessKeyStore>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<AccessKeyStore>;
}

const account = (accountId: string, createdAt = 1) => ({ accountId, name: `n${accountId}`, createdAt });
const key = (accessKeyId: string, accountId: string, createdAt = 1) => ({ accessKeyId, accountId, sealedSecret: `sealed-${accessKeyId}`, createdAt });

export function runAccessKeyStoreContract(factory: AccessKeyStoreFactory): void {
  describe('AccessKeyStore contract', () => {
    const stores = openedStores(() => factory.create());

    it('stores accounts and keys, lists them oldest first, returns copies', async () => {
      const store = await stores.open();
      await store.putAccount(account('111111111111', 2));
      await store.putAccount(account('222222222222', 1));
      expect((await store.listAccounts()).map((a) => a.accountId)).toEqual(['222222222222', '111111111111']);
      const got = await store.getAccount('111111111111');
      expect(got).toEqual(account('111111111111', 2));
      got!.name = 'changed';
      expect((await store.getAccount('111111111111'))!.name).toBe('n111111111111');
      await store.putKey(key('AKIA1', '111111111111', 5));
      await store.putKey(key('AKIA2', '222222222222', 3));
      expect(await store.getKey('AKIA1')).toEqual(key('AKIA1', '111111111111', 5));
      expect((await store.listKeys()).map((k) => k.accessKeyId)).toEqual(['AKIA2', 'AKIA1']);
      expect((await store.listKeys('111111111111')).map((k) => k.accessKeyId)).toEqual(['AKIA1']);
      expect(await store.countKeys()).toBe(2);
    });

    it('refuses duplicate ids and keys of unknown accounts', async () => {
      const store = await stores.open();
      await store.putAccount(account('111111111111'));
      await expect(store.putAccount(account('111111111111'))).rejects.toBeInstanceOf(AccessKeyStoreConflict);
      await store.putKey(key('AKIA1', '111111111111'));
      await expect(store.putKey(key('AKIA1', '111111111111'))).rejects.toBeInstanceOf(AccessKeyStoreConflict);
      await expect(store.putKey(key('AKIA9', '999999999999'))).rejects.toBeInstanceOf(AccessKeyStoreConflict);
    });

    it('deletes keys, answering whether they existed', async () => {
      const store = await stores.open();
      await store.putAccount(account('111111111111'));
      await store.putKey(key('AKIA1', '111111111111'));
      expect(await store.deleteKey('AKIA1')).toBe(true);
      expect(await store.deleteKey('AKIA1')).toBe(false);
      expect(await store.getKey('AKIA1')).toBeUndefined();
      expect(await store.countKeys()).toBe(0);
    });

    it.skipIf(!factory.reopen)('keeps what it stored across a reopen', async () => {
      let store = await stores.open();
      await store.putAccount(account('111111111111'));
      await store.putKey(key('AKIA1', '111111111111'));
      store = await stores.reopen(store, factory.reopen!);
      expect(await store.getKey('AKIA1')).toEqual(key('AKIA1', '111111111111'));
    });
  });
}
