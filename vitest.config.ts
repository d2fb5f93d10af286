import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites spawn servers and runtime processes; on a 2-core machine
    // too many files at once turns timing-sensitive tests flaky.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
