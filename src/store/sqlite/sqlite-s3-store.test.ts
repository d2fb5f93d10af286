import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runS3StoreContract } from '../s3-store.contract.js';
import { SqliteS3Store } from './sqlite-s3-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-s3-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let last = '';
runS3StoreContract({
  async create() {
    last = join(root, `s3-${n++}.db`);
    return SqliteS3Store.open(last);
  },
  async reopen() {
    return SqliteS3Store.open(last);
  },
});
