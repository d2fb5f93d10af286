/**
 * Environments and their temporary credentials: an environment stops taking invocations
 * once its credentials would expire within the margin (an invocation may last 15
 * minutes), and its successor starts with fresh ones, since a running process's
 * environment variables cannot change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mintFunctionCredentials } from '../../src/core/function-credentials.js';
import { CREDENTIALS_MARGIN_MS } from '../../src/pool/version-manager.js';
import { invoke, startTestPool, testVersion, type TestPool } from './pool-helpers.js';

describe('credentials of warm environments', () => {
  let t: TestPool;
  const key = randomBytes(32);
  let minted = 0;
  beforeEach(async () => {
    minted = 0;
    // Credentials that last the margin plus one minute, on the pool's manual clock.
    t = await startTestPool({
      credentials: () => {
        minted++;
        return mintFunctionCredentials(key, { function: 'arn:aws:lambda:us-east-1:000000000000:function:f', role: 'r' }, t.clock.now(), CREDENTIALS_MARGIN_MS + 60_000);
      },
    });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('an environment whose credentials near their expiry is replaced by one with fresh credentials', async () => {
    const v = testVersion('creds', t.fixture('provided'));
    expect((await invoke(t.pool, v, 'a')).coldStart).toBe(true);
    expect((await invoke(t.pool, v, 'b')).coldStart).toBe(false);
    expect(minted).toBe(1);
    t.clock.advance(30_000);
    // Still more than the margin left at the end of that invocation: kept warm.
    expect((await invoke(t.pool, v, 'c')).coldStart).toBe(false);
    t.clock.advance(60_000);
    // Now within the margin: the environment was retired when the last invocation ended.
    expect((await invoke(t.pool, v, 'd')).coldStart).toBe(true);
    expect(minted).toBe(2);
  });
});
