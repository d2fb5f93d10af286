import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SqliteAccessKeyStore } from '../store/sqlite/sqlite-access-key-store.js';
import { AccessKeyError, AccessKeys } from './access-keys.js';
import { SecretBox } from './secret-box.js';

describe('AccessKeys', () => {
  it('creates accounts and keys, stores secrets sealed, looks them up, removes them', async () => {
    const store = SqliteAccessKeyStore.open(':memory:');
    const keys = new AccessKeys(store, new SecretBox(randomBytes(32)));
    const account = await keys.createAccount({ name: 'team' });
    expect(account.accountId).toMatch(/^\d{12}$/);
    const key = await keys.createKey(account.accountId);
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toHaveLength(40);
    const stored = await store.getKey(key.accessKeyId);
    expect(stored!.sealedSecret).not.toContain(key.secretAccessKey);
    expect(await keys.lookup(key.accessKeyId)).toEqual({ accountId: account.accountId, secretAccessKey: key.secretAccessKey });
    expect(await keys.any()).toBe(true);
    await keys.removeKey(key.accessKeyId);
    expect(await keys.lookup(key.accessKeyId)).toBeUndefined();
    await expect(keys.removeKey(key.accessKeyId)).rejects.toBeInstanceOf(AccessKeyError);
    await expect(keys.createKey('123456789012')).rejects.toBeInstanceOf(AccessKeyError);
    await store.close();
  });

  it('a sealed secret opens only under its key file and its own key id', async () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('AKIA1', 'secret');
    expect(box.open('AKIA1', sealed)).toBe('secret');
    expect(box.open('AKIA2', sealed)).toBeUndefined();
    expect(new SecretBox(randomBytes(32)).open('AKIA1', sealed)).toBeUndefined();
  });
});
