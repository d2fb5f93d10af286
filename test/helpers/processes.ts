/**
 * The processes a test left behind, read from Linux's /proc: whether one still runs, the
 * processes descending from the test, and those of one execution environment (by its log
 * stream, which works for every sandbox driver).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SPAWNER_SOURCE } from '../../src/sandbox/spawner-process.js';

export interface ProcInfo {
  pid: number;
  /** The command name (/proc/<pid>/comm, at most 15 bytes). */
  name: string;
  ppid: number;
  pgrp: number;
  state: string;
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** /proc/<pid>/stat: the command name, and the fields after it (the name may hold spaces and parentheses). */
function procInfo(pid: number | string): { name: string; fields: string[] } | undefined {
  const stat = readFileSyncSafe(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

/** One process, or undefined once it is gone. */
export function processInfo(pid: number): ProcInfo | undefined {
  const info = procInfo(pid);
  return info && { pid, name: info.name, state: info.fields[0]!, ppid: Number(info.fields[1]), pgrp: Number(info.fields[2]) };
}

/** Every process on the machine. */
export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = processInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Whether the process runs: it exists and is not a zombie nobody reaped yet. */
export function alive(pid: number): boolean {
  const state = processInfo(pid)?.state;
  return state !== undefined && state !== 'Z';
}

/** Whether the process is gone, or a zombie (it runs no code any more). */
export function gone(pid: number): boolean {
  return !alive(pid);
}

/** Whether `pid` is Gust's spawner (host-spawner.ts), which lives as long as the process that started it. */
function isSpawner(pid: number): boolean {
  return readFileSyncSafe(`/proc/${pid}/cmdline`)?.includes(SPAWNER_SOURCE) ?? false;
}

/** The live spawners this test process started (at most one at a time). */
export function ourSpawners(): ProcInfo[] {
  return allProcesses().filter((p) => p.ppid === process.pid && p.state !== 'Z' && isSpawner(p.pid));
}

/**
 * Live (non-zombie) processes descending from this test process, or in the process group of
 * one of `leaders` (a runtime's children re-parented to init stay in its group).
 */
export function ourProcesses(leaders: number[] = []): ProcInfo[] {
  const procs = allProcesses().filter((p) => p.state !== 'Z');
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const groups = new Set(leaders);
  return procs.filter((p) => {
    if (p.pid === process.pid) return false;
    if (groups.has(p.pgrp)) return true;
    for (let q = byPid.get(p.ppid); q; q = byPid.get(q.ppid)) {
      if (q.pid === process.pid) return true;
      if (q.pid <= 1) break;
    }
    return false;
  });
}

/**
 * Whether no live host process belongs to the execution environment with this log stream
 * (Lambda's AWS_LAMBDA_LOG_STREAM_NAME, one per environment). Works for every sandbox
 * driver: a pid reported from inside a pid namespace means nothing on the host.
 */
export function environmentGone(logStreamName: string): boolean {
  return processesMentioning(`AWS_LAMBDA_LOG_STREAM_NAME=${logStreamName} `).length === 0;
}

/** Pids whose command line or environment mentions `needle` and that are not zombies. */
export function processesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const cmdline = readFileSyncSafe(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ') ?? '';
    const environ = readFileSyncSafe(`/proc/${pid}/environ`)?.replace(/\0/g, ' ') ?? '';
    if ((cmdline.includes(needle) || environ.includes(needle)) && alive(pid)) pids.push(pid);
  }
  return pids;
}

/** SIGKILLs what `processesMentioning(needle)` finds: runtimes a killed server left behind (they live under its data dir). */
export function killProcessesMentioning(needle: string): void {
  for (const pid of processesMentioning(needle)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
