import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descriptorBudget, DESCRIPTORS_PER_ENVIRONMENT, openFilesLimit } from './descriptor-budget.js';

describe('descriptor budget', () => {
  it('reads the soft open-files limit and counts the environments it holds at their worst', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-limits-'));
    try {
      const file = join(dir, 'limits');
      writeFileSync(file, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                1048576              files\n');
      expect(openFilesLimit(file)).toBe(20000);
      expect(descriptorBudget(20000).environments).toBe(Math.floor((20000 - 256) / DESCRIPTORS_PER_ENVIRONMENT));
      expect(descriptorBudget(100).environments).toBe(0);
      expect(openFilesLimit(join(dir, 'missing'))).toBeUndefined();
      expect(openFilesLimit()).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
