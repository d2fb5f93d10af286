/**
 * The three modes: open on loopback with no key (today's behaviour), verifying as soon as a
 * key exists (one made while the server runs included, and a removed key stops at once),
 * and a non-loopback bind with no key refused unless --insecure-no-auth.
 */
import { describe, expect, it } from 'vitest';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ConfigError } from '../../src/server/config.js';
import { openAccessKeys } from '../../src/server/admin.js';
import { testStoreOf } from '../helpers/test-store.js';
import { newDataDir, removeDataDir, startTestGust } from '../helpers/gust.js';

describe('auth modes', () => {
  it('open on loopback without keys; verifying once a key is made; a removed key stops working', async () => {
    const t = await startTestGust();
    try {
      await t.lambda.send(new ListFunctionsCommand({}));
      expect((await fetch(`${t.url}/2015-03-31/functions`)).status).toBe(200);
      const opened = await openAccessKeys({ dataDir: t.dataDir, blobDir: t.config.blobDir, store: t.config.store, accountId: '000000000000' });
      const key = await opened.keys.createKey('000000000000');
      // A second key keeps the server verifying when the first is removed (with none left, a loopback server is open again).
      await opened.keys.createKey('000000000000');
      expect((await fetch(`${t.url}/2015-03-31/functions`)).status).toBe(403);
      await expect(t.lambda.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
      const signed = new LambdaClient({ endpoint: t.url, region: 'us-east-1', credentials: key, maxAttempts: 1 });
      await signed.send(new ListFunctionsCommand({}));
      await opened.keys.removeKey(key.accessKeyId);
      await expect(signed.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
      signed.destroy();
      await opened.close();
    } finally {
      await t.stop();
    }
  });

  it('refuses to start on a non-loopback address without keys, unless --insecure-no-auth', async () => {
    await expect(startTestGust({ flags: { host: '0.0.0.0' } })).rejects.toBeInstanceOf(ConfigError);
    await expect(startTestGust({ flags: { host: '0.0.0.0' } })).rejects.toThrow(/refusing to serve on 0.0.0.0 without authentication/);
    const open = await startTestGust({ flags: { host: '0.0.0.0', insecureNoAuth: 'true' } });
    try {
      expect((await fetch(`${open.url}/2015-03-31/functions`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    // With a key, a non-loopback server starts and verifies.
    const dataDir = newDataDir();
    const opened = await openAccessKeys({ dataDir, blobDir: '', store: await testStoreOf(dataDir), accountId: '000000000000' });
    await opened.keys.createAccount({ accountId: '000000000000' });
    await opened.keys.createKey('000000000000');
    await opened.close();
    const keyed = await startTestGust({ dataDir, flags: { host: '0.0.0.0' } });
    try {
      expect((await fetch(`${keyed.url}/2015-03-31/functions`)).status).toBe(403);
    } finally {
      await keyed.stop();
      await removeDataDir(dataDir);
    }
  });
});
