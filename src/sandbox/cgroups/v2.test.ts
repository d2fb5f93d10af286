/**
 * The v2 files Gust writes and reads, checked against a temporary directory that mimics
 * cgroupfs (plain files, NOT a real cgroup2: the test host's controllers are bound to v1,
 * so memory, cpu and pids cannot be enabled in its unified hierarchy). The v2 freezer and
 * cgroup.kill run against the real kernel in test/cgroups/v2-freezer.spec.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cgroupV2 } from './v2.js';

describe('cgroup v2 files (temporary directory mimicking cgroupfs)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gust-cgv2-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');

  it('memory.max is MemorySize in bytes, with no swap beyond it', () => {
    writeFileSync(join(dir, 'memory.swap.max'), 'max\n');
    cgroupV2.setMemoryLimit(dir, 128 * 1024 * 1024);
    expect(read('memory.max')).toBe('134217728');
    expect(read('memory.swap.max')).toBe('0');
  });

  it('cpu.max is "quota period"; pids.max the limit', () => {
    writeFileSync(join(dir, 'cpu.max'), 'max 100000\n');
    expect(cgroupV2.canLimitCpu(dir)).toBe(true);
    cgroupV2.setCpuQuota(dir, 7236, 100000);
    expect(read('cpu.max')).toBe('7236 100000');
    cgroupV2.setPidsMax(dir, 1024);
    expect(read('pids.max')).toBe('1024');
  });

  it('OOM kills come from oom_kill in memory.events', () => {
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
    expect(cgroupV2.oomKills(dir)).toBe(1);
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 0\noom_kill 0\n');
    expect(cgroupV2.oomKills(dir)).toBe(0);
  });

  it('freeze writes cgroup.freeze and waits for frozen in cgroup.events; thaw writes 0', () => {
    writeFileSync(join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    cgroupV2.requestFreeze(dir);
    expect(read('cgroup.freeze')).toBe('1');
    expect(cgroupV2.isFrozen(dir)).toBe(false);
    writeFileSync(join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    expect(cgroupV2.isFrozen(dir)).toBe(true);
    cgroupV2.thaw(dir);
    expect(read('cgroup.freeze')).toBe('0');
  });

  it('no memory.peak (Linux < 5.19) means no peak meter; cgroup.kill where it exists', () => {
    expect(cgroupV2.openPeak(dir)).toBeUndefined();
    expect(cgroupV2.killAll(dir)).toBe(true);
    expect(read('cgroup.kill')).toBe('1');
  });
});
