import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runUrlStoreContract } from '../url-store.contract.js';
import { SqliteUrlStore } from './sqlite-url-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-url-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let last = '';
runUrlStoreContract({
  async create() {
    last = join(root, `urls-${n++}.db`);
    return SqliteUrlStore.open(last);
  },
  async reopen() {
    return SqliteUrlStore.open(last);
  },
});
