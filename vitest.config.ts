import { defineConfig } from 'vitest/config';
import { testRuntimesDir } from './test/helpers/runtimes.js';

// Every server a suite starts, in process or spawned, shares one runtimes directory.
process.env.GUST_RUNTIMES_DIR = testRuntimesDir();

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites spawn servers and runtime processes; on a 2-core machine
    // too many files at once turns timing-sensitive tests flaky. Three: the cluster suites
    // spend most of their time waiting (a schedule's minute, a lease's expiry), and with two
    // files at once the suite passed 10 minutes on a 2-core machine.
    maxWorkers: 3,
    minWorkers: 1,
    // Interpreters and SDKs every suite shares, installed once before any suite runs.
    // Runtimes before the suites; after them, a check that no sandbox network was left behind.
    globalSetup: ['test/setup/runtimes.ts', 'test/setup/network-leftovers.ts'],
  },
});
