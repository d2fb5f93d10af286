import { describe, expect, it } from 'vitest';
import { functionNameOf, parseFunctionRef, scheduleRuleName } from './schedule-rules.js';

describe('scheduleRuleName', () => {
  it('is the function name and 8 hex digits, the same for the same schedule', () => {
    const name = scheduleRuleName('report', 'rate(5 minutes)', undefined);
    expect(name).toMatch(/^report-[0-9a-f]{8}$/);
    expect(scheduleRuleName('report', 'rate(5 minutes)', undefined)).toBe(name);
  });

  it('differs by expression and by qualifier', () => {
    const names = new Set([
      scheduleRuleName('report', 'rate(5 minutes)', undefined),
      scheduleRuleName('report', 'rate(10 minutes)', undefined),
      scheduleRuleName('report', 'rate(5 minutes)', 'live'),
      scheduleRuleName('report', 'rate(5 minutes)', '$LATEST'),
    ]);
    expect(names.size).toBe(4);
  });

  it('stays within EventBridge rule names: 64 characters of [.-_A-Za-z0-9]', () => {
    const name = scheduleRuleName('f'.repeat(64), 'cron(0 12 * * ? *)', undefined);
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^[.\-_A-Za-z0-9]+$/);
  });
});

describe('functionNameOf', () => {
  it('reads the function name of a Lambda function ARN, qualified or not', () => {
    expect(functionNameOf('arn:aws:lambda:us-east-1:000000000000:function:report')).toBe('report');
    expect(functionNameOf('arn:aws:lambda:us-east-1:000000000000:function:report:live')).toBe('report');
  });

  it('is undefined for anything else', () => {
    expect(functionNameOf('arn:aws:sqs:us-east-1:000000000000:queue')).toBeUndefined();
    expect(functionNameOf('report')).toBeUndefined();
    expect(functionNameOf(undefined)).toBeUndefined();
  });
});

describe('parseFunctionRef', () => {
  it('reads names and ARNs, with or without a qualifier', () => {
    expect(parseFunctionRef('report')).toEqual({ base: 'report', name: 'report' });
    expect(parseFunctionRef('report:live')).toEqual({ base: 'report', name: 'report', qualifier: 'live' });
    expect(parseFunctionRef('report:$LATEST')).toEqual({ base: 'report', name: 'report', qualifier: '$LATEST' });
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:report';
    expect(parseFunctionRef(arn)).toEqual({ base: arn, name: 'report' });
    expect(parseFunctionRef(`${arn}:7`)).toEqual({ base: arn, name: 'report', qualifier: '7' });
  });
});
