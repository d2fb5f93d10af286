import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreContract, sampleFunction, sampleVersion } from '../metadata-store.contract.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-sqlite-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
let lastPath = '';
runStoreContract('SQLite', {
  async create() {
    lastPath = join(root, `contract-${counter++}`, 'gust.db');
    return SqliteMetadataStore.open(lastPath);
  },
  async reopen() {
    return SqliteMetadataStore.open(lastPath);
  },
});

runStoreContract('SQLite in memory', {
  async create() {
    return SqliteMetadataStore.open(':memory:');
  },
});

describe('SqliteMetadataStore.open', () => {
  it('creates the parent directories and configures the connection', async () => {
    const path = join(root, 'a', 'b', 'c', 'gust.db');
    const store = SqliteMetadataStore.open(path);
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('sees writes of another connection to the same file', async () => {
    const path = join(root, 'shared', 'gust.db');
    const a = SqliteMetadataStore.open(path);
    const b = SqliteMetadataStore.open(path);
    try {
      await a.putFunction(sampleFunction('f'));
      await a.putVersion(sampleVersion('f', '$LATEST'));
      expect((await b.listVersions('f')).map((v) => v.version)).toEqual(['$LATEST']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('closes idempotently', async () => {
    const store = SqliteMetadataStore.open(':memory:');
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
