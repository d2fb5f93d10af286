/** AWS's START and REPORT lines, as the invoke suites read them from a log tail. */
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
