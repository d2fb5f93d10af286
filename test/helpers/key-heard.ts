/**
 * The step both CachedKeys suites (PostgreSQL's watch and SQLite's) share: an operator
 * creates a key from its own connection, the node's watch hears it, and the node's cached
 * view verifies it from then on.
 */
import { expect } from 'vitest';
import type { AccessKeys } from '../../src/auth/access-keys.js';
import type { CachedKeys } from '../../src/auth/cached-keys.js';
import type { ChangeWatch } from '../../src/store/change-watch.js';
import { waitUntil } from './wait.js';

/** Creates a key of `accountId` through `operator`, and resolves with it once `node` (watched by `watch`) verifies it. */
export async function keyHeard(operator: AccessKeys, watch: ChangeWatch, node: CachedKeys, accountId: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const before = watch.generation;
  const made = await operator.createKey(accountId);
  await waitUntil(() => watch.generation > before, 5_000, "the operator's new key to be heard");
  expect(await node.any()).toBe(true);
  expect(await node.lookup(made.accessKeyId)).toEqual({ accountId, secretAccessKey: made.secretAccessKey });
  return made;
}
