/**
 * The runtimes directory every suite shares, so that an interpreter or SDK is downloaded
 * once per machine, not once per test: GUST_RUNTIMES_DIR when set (CI may keep it), else
 * /var/cache/gust/runtimes as root (a path the sandbox uid can traverse, which /root is
 * not), else ~/.cache/gust/runtimes.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function testRuntimesDir(): string {
  if (process.env.GUST_RUNTIMES_DIR) return process.env.GUST_RUNTIMES_DIR;
  return process.geteuid?.() === 0 ? '/var/cache/gust/runtimes' : join(homedir(), '.cache', 'gust', 'runtimes');
}

/** The runtimes the suites use, installed by test/setup/runtimes.ts before any suite runs: the host's Node and Python with their SDKs, and one more version of each. */
export const TEST_RUNTIMES = ['nodejs20.x', 'python3.11', 'nodejs22.x', 'python3.13'] as const;
