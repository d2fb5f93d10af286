import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRuleStoreContract, sampleRule, sampleTarget } from '../rule-store.contract.js';
import { sampleFunction } from '../metadata-store.contract.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';
import { SqliteRuleStore } from './sqlite-rule-store.js';

const root = mkdtempSync(join(tmpdir(), 'gust-rule-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
let lastPath = '';
runRuleStoreContract('SQLite', {
  async create() {
    lastPath = join(root, `contract-${counter++}`, 'gust.db');
    return SqliteRuleStore.open(lastPath);
  },
  async reopen() {
    return SqliteRuleStore.open(lastPath);
  },
});

runRuleStoreContract('SQLite in memory', {
  async create() {
    return SqliteRuleStore.open(':memory:');
  },
});

describe('SqliteRuleStore beside the MetadataStore', () => {
  it('shares gust.db with it, whichever opens the file first', async () => {
    for (const rulesFirst of [true, false]) {
      const path = join(root, `shared-${rulesFirst}`, 'gust.db');
      const rules = rulesFirst ? SqliteRuleStore.open(path) : undefined;
      const metadata = SqliteMetadataStore.open(path);
      const ruleStore = rules ?? SqliteRuleStore.open(path);
      try {
        await metadata.putFunction(sampleFunction('f'));
        await ruleStore.putRule(sampleRule('r'));
        await ruleStore.putTargets('default', 'r', [sampleTarget('f')]);
        expect((await metadata.listFunctions()).map((f) => f.name)).toEqual(['f']);
        expect(await ruleStore.listTargets('default', 'r')).toEqual([sampleTarget('f')]);
      } finally {
        await ruleStore.close();
        await metadata.close();
      }
    }
  });
});
