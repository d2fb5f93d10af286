import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runAccessKeyStoreContract } from '../access-key-store.contract.js';
import { SqliteAccessKeyStore } from './sqlite-access-key-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-auth-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let last = '';
runAccessKeyStoreContract({
  async create() {
    last = join(root, `auth-${n++}.db`);
    return SqliteAccessKeyStore.open(last);
  },
  async reopen() {
    return SqliteAccessKeyStore.open(last);
  },
});
