/**
 * Finds out once per server what this host's cgroups allow, and sets up the server's part
 * of the tree. Each controller is taken from the unified (v2) hierarchy when it is enabled
 * there, else from its v1 hierarchy; the freezer follows v2 when v2 is in use anyway (one
 * hierarchy fewer to join), else v1's freezer. Whatever is missing (not mounted, not
 * delegated, not writable) becomes a warning, and the driver runs without that limit.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readPids, readText, tryWriteValue, writeValue } from './cgroupfs.js';
import { startWatchdog } from './watchdog.js';
import { GustCgroupHost } from './cgroup-host.js';
import type { CgroupController, CgroupHost, CgroupMode, CgroupSupport } from './cgroup-types.js';
import type { Placements } from './environment-cgroup.js';
import { findHierarchies, type Hierarchy } from './hierarchies.js';
import { newInstanceName } from '../server-instance.js';
import { cgroupV1 } from './v1.js';
import { cgroupV2 } from './v2.js';

export interface DetectOptions {
  /** Name of the directory under Gust's own cgroup that holds every server instance (default `gust`). */
  parentName?: string;
  /** This server's instance name (default `<pid>-<start time>-<random>`, see server-instance.ts). */
  instance?: string;
  /** Test seam: the texts of /proc/self/mountinfo and /proc/self/cgroup. */
  proc?: { mountinfo: string; cgroup: string };
}

const LIMITED: readonly CgroupController[] = ['memory', 'cpu', 'pids'];
/** The v2 leaf Gust moves itself into when its own cgroup must hand controllers down (see delegateV2). */
const SERVER_LEAF = 'gust-server';

const CONSEQUENCE: Record<CgroupController, string> = {
  memory: 'MemorySize is not enforced (no Runtime.OutOfMemory) and Max Memory Used comes from /proc',
  cpu: 'functions are not held to a CPU share proportional to their memory',
  pids: 'a fork bomb is not contained',
  freezer: 'idle environments are not frozen and keep using CPU',
};

/** Probes the host and returns the server's cgroups; never throws (mode `none` with warnings instead). */
export async function detectCgroups(options: DetectOptions = {}): Promise<CgroupHost> {
  const parentName = options.parentName ?? 'gust';
  const instance = options.instance ?? newInstanceName();
  const warnings: string[] = [];
  let hierarchies: Hierarchy[] = [];
  try {
    const proc = options.proc ?? { mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'), cgroup: readFileSync('/proc/self/cgroup', 'utf8') };
    // A server of this process may have moved it into its leaf already: the tree is built beside it.
    hierarchies = findHierarchies(proc.mountinfo, proc.cgroup).map((h) => (h.version === 2 && basename(h.ownDir) === SERVER_LEAF ? { ...h, ownDir: dirname(h.ownDir) } : h));
  } catch {
    warnings.push('cgroups: /proc/self/mountinfo is not readable (not Linux?); running without cgroup limits.');
  }
  const v1 = hierarchies.filter((h) => h.version === 1);
  const v2 = hierarchies.find((h) => h.version === 2);
  const mode: CgroupMode = v1.length > 0 && v2 ? 'hybrid' : v1.length > 0 ? 'v1' : v2 ? 'v2' : 'none';

  // Which hierarchy serves which controller, before anything is created.
  const v2Controllers = v2 ? enabledV2Controllers(v2) : [];
  const chosen = new Map<CgroupController, Hierarchy>();
  for (const c of LIMITED) {
    const h = v2 && v2Controllers.includes(c) ? v2 : v1.find((x) => x.controllers.includes(c));
    if (h) chosen.set(c, h);
  }
  const usesV2 = v2 !== undefined && [...chosen.values()].includes(v2);
  const v1Freezer = v1.find((x) => x.controllers.includes('freezer'));
  const freezerAt = usesV2 ? v2 : (v1Freezer ?? v2);
  if (freezerAt) chosen.set('freezer', freezerAt);

  // Create gust/<instance> in each hierarchy in use; a hierarchy that refuses loses its controllers.
  const instanceDirs = new Map<Hierarchy, string>();
  for (const h of new Set(chosen.values())) {
    const dir = join(h.ownDir, parentName, instance);
    try {
      if (h.version === 2) {
        const warning = delegateV2(h, parentName, instance, [...chosen].filter(([, x]) => x === h).map(([c]) => c));
        if (warning) warnings.push(warning);
      } else mkdirSync(dir, { recursive: true });
      instanceDirs.set(h, dir);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      for (const [c, x] of chosen) if (x === h) chosen.delete(c);
      warnings.push(`cgroups: cannot create ${dir} (${reason}); its controllers are not used.`);
    }
  }

  const placements: Placements = {};
  for (const [c, h] of chosen) {
    const instanceDir = instanceDirs.get(h)!;
    const files = h.version === 2 ? cgroupV2 : cgroupV1;
    if (!usable(c, h, instanceDir)) continue;
    if (c === 'cpu' && !files.canLimitCpu(instanceDir)) {
      warnings.push(`cpu: the kernel has no CFS bandwidth control, so ${CONSEQUENCE.cpu}.`);
      continue;
    }
    placements[c] = { instanceDir, files };
  }
  const cpu = placements.cpu;
  if (cpu) {
    // Each level of the tree weighs as one task against its siblings by default, so every
    // environment of every server would share one task's worth of CPU against the host's
    // other processes. Gust's levels weigh as many tasks as the host has CPUs, which is
    // what the runtimes' threads weighed before they were put in cgroups.
    const shares = 1024 * availableParallelism();
    for (const dir of [join(cpu.instanceDir, '..'), cpu.instanceDir]) {
      try {
        cpu.files.setCpuShares(dir, shares);
      } catch {
        warnings.push(`cpu: cannot set the CPU weight of ${dir}; on a busy host functions get less CPU than they would outside cgroups.`);
      }
    }
  }
  for (const c of [...LIMITED, 'freezer'] as const) {
    if (!placements[c] && !warnings.some((w) => w.startsWith(`${c}:`))) warnings.push(`${c}: no usable cgroup controller, so ${CONSEQUENCE[c]}.`);
  }
  if (placements.memory && placements.memory.files.version === 2 && !existsSync(join(placements.memory.instanceDir, 'memory.peak'))) {
    warnings.push('memory: the kernel has no memory.peak (Linux < 5.19), so Max Memory Used comes from /proc.');
  }

  const support: CgroupSupport = {
    mode,
    memory: Boolean(placements.memory),
    cpu: Boolean(placements.cpu),
    pids: Boolean(placements.pids),
    freezer: Boolean(placements.freezer),
    warnings,
  };
  // Every instance directory made, also one whose controllers turned out unusable, goes at close.
  const gustDirs = [...new Set([...instanceDirs.values()].map((d) => join(d, '..')))];
  const watchdog = instanceDirs.size > 0 ? startWatchdog([...instanceDirs.values()]) : undefined;
  const host = new GustCgroupHost(support, instance, gustDirs, placements, watchdog);
  host.anchorFreezer();
  return host;
}

/** The controllers Gust's own v2 cgroup may hand down (listed in its `cgroup.controllers`). */
function enabledV2Controllers(h: Hierarchy): string[] {
  try {
    return readText(join(h.ownDir, 'cgroup.controllers')).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/**
 * Makes gust/<instance> on v2 and enables the controllers down to it. v2 lets a cgroup
 * hand controllers to its children only while it holds no processes itself (the root is
 * exempt). Gust's own cgroup holds Gust: when Gust is its only process (a systemd service
 * with `Delegate=yes`), Gust moves itself into the leaf `gust-server` beside `gust/`, as
 * systemd's delegation rules ask; with other processes there it cannot, and says so.
 * Returns that warning, if any.
 */
function delegateV2(h: Hierarchy, parentName: string, instance: string, controllers: CgroupController[]): string | undefined {
  const wanted = controllers.filter((c) => c !== 'freezer');
  const enable = (d: string) => {
    for (const c of wanted) tryWriteValue(join(d, 'cgroup.subtree_control'), `+${c}`);
    return wanted.filter((c) => !enabledIn(d).includes(c));
  };
  let warning: string | undefined;
  let missing = enable(h.ownDir);
  if (missing.length > 0 && h.ownDir !== h.mountPoint) {
    const procs = readPids(join(h.ownDir, 'cgroup.procs'));
    if (procs.length === 1 && procs[0] === process.pid) {
      const leaf = join(h.ownDir, SERVER_LEAF);
      mkdirSync(leaf, { recursive: true });
      writeValue(join(leaf, 'cgroup.procs'), String(process.pid));
      missing = enable(h.ownDir);
    } else if (procs.length > 1) {
      warning = `cgroups: ${h.ownDir} holds other processes besides Gust, so cgroup v2 lets it hand no ${missing.join('/')} controller to environments; run Gust as the only process of a delegated cgroup (systemd: its own service with Delegate=yes).`;
    }
  }
  const parent = join(h.ownDir, parentName);
  mkdirSync(parent, { recursive: true });
  enable(parent);
  const dir = join(parent, instance);
  mkdirSync(dir, { recursive: true });
  enable(dir);
  return warning;
}

/** The controllers a v2 cgroup hands to its children. */
function enabledIn(dir: string): string[] {
  try {
    return readText(join(dir, 'cgroup.subtree_control')).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Whether the controller really reaches the instance's children (v2: enabled in its subtree_control). */
function usable(c: CgroupController, h: Hierarchy, instanceDir: string): boolean {
  if (h.version === 1) return true;
  if (c === 'freezer') return existsSync(join(instanceDir, 'cgroup.freeze'));
  return enabledIn(instanceDir).includes(c);
}
