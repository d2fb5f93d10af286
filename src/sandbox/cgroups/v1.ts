/**
 * The cgroup v1 files Gust uses, one hierarchy per controller (or per co-mounted set):
 * memory (`memory.limit_in_bytes`, `memory.memsw.limit_in_bytes`, `memory.max_usage_in_bytes`
 * reset by writing 0, `oom_kill` in `memory.oom_control`), cpu (`cpu.cfs_quota_us` over
 * `cpu.cfs_period_us`), pids (`pids.max`) and freezer (`freezer.state`). See the kernel's
 * Documentation/admin-guide/cgroup-v1/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KeptFile, readKeyed, readText, tryWriteValue, writeValue } from './cgroupfs.js';
import type { CgroupFiles, PeakMeter } from './cgroup-files.js';

export const cgroupV1: CgroupFiles = {
  version: 1,

  setMemoryLimit(dir, bytes) {
    // v1 keeps memory ≤ memory+swap at every write: a raise must lift memsw first (refused
    // below the memory limit when lowering, so it is written again after).
    tryWriteValue(join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
    writeValue(join(dir, 'memory.limit_in_bytes'), String(bytes));
    // With swap accounting, memory+swap gets the same limit: Lambda has no swap, and a
    // function must be OOM-killed at MemorySize, not slowed down by swapping past it.
    tryWriteValue(join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
  },

  openPeak(dir): PeakMeter {
    const file = new KeptFile(join(dir, 'memory.max_usage_in_bytes'), true);
    return {
      resettable: true,
      read: () => file.readInt(),
      // Writing 0 restarts the maximum from the current usage.
      reset: () => void file.write('0'),
      close: () => file.close(),
    };
  },

  oomKills(dir) {
    // `oom_kill` (Linux 4.13+) counts kills; older kernels only say `under_oom`.
    const path = join(dir, 'memory.oom_control');
    return readKeyed(path, 'oom_kill') || readKeyed(path, 'under_oom');
  },

  canLimitCpu(dir) {
    return existsSync(join(dir, 'cpu.cfs_quota_us'));
  },

  setCpuQuota(dir, quotaUs, periodUs) {
    writeValue(join(dir, 'cpu.cfs_period_us'), String(periodUs));
    writeValue(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
  },

  setCpuShares(dir, shares) {
    writeValue(join(dir, 'cpu.shares'), String(shares));
  },

  setPidsMax(dir, max) {
    writeValue(join(dir, 'pids.max'), String(max));
  },

  requestFreeze(dir) {
    writeValue(join(dir, 'freezer.state'), 'FROZEN');
  },

  isFrozen(dir) {
    return readText(join(dir, 'freezer.state')).trim() === 'FROZEN';
  },

  thaw(dir) {
    writeValue(join(dir, 'freezer.state'), 'THAWED');
  },

  killAll() {
    return false;
  },
};
