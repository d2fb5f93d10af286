/**
 * What an invocation leaves behind, as the invoke suites check it: AWS's START and REPORT
 * lines, and the runtime processes (gone once their environment is).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'vitest';

/** AWS's REPORT line, exactly: tab-separated, durations with two decimals, whole MB. */
export const REPORT_LINE =
  /^REPORT RequestId: (\S+)\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: (\d+\.\d{2}) ms)?(?:\tStatus: (?:timeout|error)(?:\tError Type: \S+)?)?$/;

export interface Report {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
}

/** The REPORT line of `log` for `requestId` (fails the test when there is none or it is malformed). */
export function reportOf(log: string, requestId?: string): Report {
  const line = log.split('\n').find((l) => l.startsWith('REPORT ') && (requestId === undefined || l.startsWith(`REPORT RequestId: ${requestId}\t`)));
  expect(line, `a REPORT line in:\n${log}`).toBeDefined();
  const m = REPORT_LINE.exec(line!);
  expect(m, `REPORT layout of ${JSON.stringify(line)}`).not.toBeNull();
  return {
    requestId: m![1]!,
    durationMs: Number(m![2]),
    billedMs: Number(m![3]),
    memorySizeMb: Number(m![4]),
    maxMemoryUsedMb: Number(m![5]),
    ...(m![6] === undefined ? {} : { initDurationMs: Number(m![6]) }),
  };
}

/** The request id of the START line of a log tail. */
export function startRequestId(log: string): string {
  const m = /^START RequestId: (\S+) Version: \S+$/m.exec(log);
  expect(m, `a START line in:\n${log}`).not.toBeNull();
  return m![1]!;
}

/** Whether a process with this pid exists (signal 0: ESRCH when it does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process is gone or a zombie nobody reaped yet (not running code any more). */
export function gone(pid: number): boolean {
  if (!alive(pid)) return true;
  try {
    const stat = readFileSyncSafe(`/proc/${pid}/stat`);
    // Field 3, after the parenthesised command name, is the state; Z is a zombie.
    return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether no live host process belongs to the execution environment with this log stream
 * (Lambda's AWS_LAMBDA_LOG_STREAM_NAME, one per environment). Works for every sandbox
 * driver: a pid reported from inside a pid namespace means nothing on the host.
 */
export function environmentGone(logStreamName: string): boolean {
  return processesMentioning(`AWS_LAMBDA_LOG_STREAM_NAME=${logStreamName} `).length === 0;
}

/** Pids (Linux /proc) whose command line or environment mentions `needle` and that are not zombies. */
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
    if ((cmdline.includes(needle) || environ.includes(needle)) && !gone(pid)) pids.push(pid);
  }
  return pids;
}
