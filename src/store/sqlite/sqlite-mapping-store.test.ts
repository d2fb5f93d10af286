import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runMappingStoreContract } from '../mapping-store.contract.js';
import { SqliteMappingStore } from './sqlite-mapping-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-mapping-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let last = '';
runMappingStoreContract({
  async create() {
    last = join(root, `mappings-${n++}.db`);
    return SqliteMappingStore.open(last);
  },
  async reopen() {
    return SqliteMappingStore.open(last);
  },
});
