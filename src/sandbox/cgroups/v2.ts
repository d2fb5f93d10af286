/**
 * The cgroup v2 (unified) files Gust uses, all in one directory: `memory.max` with
 * `memory.swap.max` 0, `memory.peak` (Linux 5.19+; resettable per open file since 6.12),
 * `oom_kill` in `memory.events`, `cpu.max`, `pids.max`, `cgroup.freeze` with `frozen` in
 * `cgroup.events` (5.2+), and `cgroup.kill` (5.14+). See the kernel's
 * Documentation/admin-guide/cgroup-v2.rst.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KeptFile, readKeyed, tryWriteValue, writeValue } from './cgroupfs.js';
import type { CgroupFiles, PeakMeter } from './cgroup-files.js';

export const cgroupV2: CgroupFiles = {
  version: 2,

  setMemoryLimit(dir, bytes) {
    writeValue(join(dir, 'memory.max'), String(bytes));
    // Lambda has no swap: past MemorySize the function is OOM-killed, not swapped out.
    tryWriteValue(join(dir, 'memory.swap.max'), '0');
  },

  openPeak(dir): PeakMeter | undefined {
    const path = join(dir, 'memory.peak');
    if (!existsSync(path)) return undefined;
    // Since 6.12 a write to an open memory.peak starts a new peak for that descriptor only.
    let file: KeptFile;
    let resettable = true;
    try {
      file = new KeptFile(path, true);
      resettable = file.write('reset');
    } catch {
      file = new KeptFile(path, false);
      resettable = false;
    }
    return {
      resettable,
      read: () => file.readInt(),
      reset: () => void (resettable && file.write('reset')),
      close: () => file.close(),
    };
  },

  oomKills(dir) {
    return readKeyed(join(dir, 'memory.events'), 'oom_kill');
  },

  canLimitCpu(dir) {
    return existsSync(join(dir, 'cpu.max'));
  },

  setCpuQuota(dir, quotaUs, periodUs) {
    writeValue(join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`);
  },

  setCpuShares(dir, shares) {
    // cpu.weight: 100 is v1's 1024, within 1…10000.
    writeValue(join(dir, 'cpu.weight'), String(Math.min(10_000, Math.max(1, Math.round((shares * 100) / 1024)))));
  },

  setPidsMax(dir, max) {
    writeValue(join(dir, 'pids.max'), String(max));
  },

  requestFreeze(dir) {
    writeValue(join(dir, 'cgroup.freeze'), '1');
  },

  isFrozen(dir) {
    return readKeyed(join(dir, 'cgroup.events'), 'frozen') === 1;
  },

  thaw(dir) {
    writeValue(join(dir, 'cgroup.freeze'), '0');
  },

  killAll(dir) {
    return tryWriteValue(join(dir, 'cgroup.kill'), '1');
  },
};
