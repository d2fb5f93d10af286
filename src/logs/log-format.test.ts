import { describe, expect, it } from 'vitest';
import { billedDurationMs, endLine, initReportLine, logGroupName, logStreamName, parseReportLine, reportLine, startLine, toMb } from './log-format.js';

const ID = '3604209a-e9a3-11e6-939a-754dd98c7be3';

describe('log lines', () => {
  it("writes START, END and REPORT in AWS's exact layout", () => {
    expect(startLine(ID, '$LATEST')).toBe(`START RequestId: ${ID} Version: $LATEST`);
    expect(endLine(ID)).toBe(`END RequestId: ${ID}`);
    expect(reportLine({ requestId: ID, durationMs: 12.344, billedDurationMs: 13, memorySizeMb: 128, maxMemoryUsedMb: 45 })).toBe(
      `REPORT RequestId: ${ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB`,
    );
    expect(reportLine({ requestId: ID, durationMs: 2, billedDurationMs: 126, memorySizeMb: 1024, maxMemoryUsedMb: 80, initDurationMs: 123.456 })).toBe(
      `REPORT RequestId: ${ID}\tDuration: 2.00 ms\tBilled Duration: 126 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\tInit Duration: 123.46 ms`,
    );
    expect(reportLine({ requestId: ID, durationMs: 3000.5, billedDurationMs: 3001, memorySizeMb: 128, maxMemoryUsedMb: 60, outcome: { status: 'timeout' } })).toBe(
      `REPORT RequestId: ${ID}\tDuration: 3000.50 ms\tBilled Duration: 3001 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout`,
    );
    expect(initReportLine(10000, { status: 'error', errorType: 'Runtime.ExitError' })).toBe('INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError');
  });

  it('parses its own REPORT lines and AWS samples', () => {
    const fields = { requestId: ID, durationMs: 1.5, billedDurationMs: 2, memorySizeMb: 128, maxMemoryUsedMb: 1, initDurationMs: 99.25, outcome: { status: 'error' as const, errorType: 'Runtime.ExitError' } };
    expect(parseReportLine(reportLine(fields))).toEqual(fields);
    expect(parseReportLine(`REPORT RequestId: ${ID}\tDuration: 2.05 ms\tBilled Duration: 3 ms\tMemory Size: 1152 MB\tMax Memory Used: 76 MB`)).toEqual({
      requestId: ID,
      durationMs: 2.05,
      billedDurationMs: 3,
      memorySizeMb: 1152,
      maxMemoryUsedMb: 76,
    });
    expect(parseReportLine(`REPORT RequestId: ${ID} Duration: 2.05 ms`)).toBeUndefined();
  });

  it('names groups and streams as AWS does', () => {
    expect(logGroupName('my-fn')).toBe('/aws/lambda/my-fn');
    expect(logStreamName(Date.UTC(2019, 5, 7, 23, 59), '$LATEST', 'e6f4a0c4241adcd70c262d34c0bbc85c')).toBe('2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c');
  });

  it('bills whole milliseconds, rounding up, init included; memory in whole MB', () => {
    expect(billedDurationMs(12.01)).toBe(13);
    expect(billedDurationMs(0.2)).toBe(1);
    expect(billedDurationMs(2, 123.45)).toBe(126);
    expect(toMb(45 * 1024 * 1024)).toBe(45);
    expect(toMb(45 * 1024 * 1024 + 1)).toBe(46);
  });
});
