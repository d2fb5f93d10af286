import { describe, expect, it } from 'vitest';
import { ValidationException } from '../../core/errors.js';
import { explainScheduleExpression, nextFire, parseScheduleExpression } from './schedule-expression.js';

const at = (iso: string): number => Date.parse(iso.endsWith('Z') ? iso : `${iso}Z`);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** The next `n` firings of an expression after `from`, as ISO strings. */
function firings(expression: string, from: string, n = 3): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = nextFire(expression, t);
    out.push(iso(t));
  }
  return out;
}

describe('rate expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(12 hours)', 43_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(2 days)', 172_800_000],
  ])('%s fires one period after its anchor', (expression, period) => {
    const anchor = at('2026-01-01T12:00:00');
    expect(nextFire(expression, anchor)).toBe(anchor + period);
    expect(parseScheduleExpression(expression)).toEqual({ kind: 'rate', periodMs: period });
  });

  it('keeps whole periods from the anchor, strictly after the given time', () => {
    const anchor = at('2026-01-01T12:00:10');
    expect(iso(nextFire('rate(5 minutes)', at('2026-01-01T12:07:30'), anchor))).toBe('2026-01-01T12:10:10Z');
    expect(iso(nextFire('rate(5 minutes)', at('2026-01-01T12:10:10'), anchor))).toBe('2026-01-01T12:15:10Z');
    expect(iso(nextFire('rate(5 minutes)', at('2026-01-01T12:10:09.999'), anchor))).toBe('2026-01-01T12:10:10Z');
    // Days later, still on the anchor's grid.
    expect(iso(nextFire('rate(1 hour)', at('2026-01-04T00:00:00'), anchor))).toBe('2026-01-04T00:00:10Z');
  });

  it('fires one period after an anchor that lies in the future', () => {
    expect(iso(nextFire('rate(1 minute)', at('2026-01-01T11:00:00'), at('2026-01-01T12:00:00')))).toBe('2026-01-01T12:01:00Z');
  });

  it.each([
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(2 hour)',
    'rate(1 days)',
    'rate(0 minutes)',
    'rate(0 minute)',
    'rate(-1 minutes)',
    'rate(1.5 minutes)',
    'rate(01 minute)',
    'rate(5 seconds)',
    'rate(5 weeks)',
    'rate(5minutes)',
    'rate( 5 minutes)',
    'rate(5 minutes )',
    'rate(1 Minute)',
    'RATE(1 minute)',
    'rate()',
    'rate(minutes)',
    'rate(5 minutes',
    ' rate(5 minutes)',
  ])('refuses %j', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ValidationException);
    expect(() => parseScheduleExpression(expression)).toThrow('Parameter ScheduleExpression is not valid.');
  });

  it('explains why a unit was refused', () => {
    expect(explainScheduleExpression('rate(1 minutes)')).toEqual({ invalid: 'rate: 1 needs the singular unit' });
    expect(explainScheduleExpression('rate(3 minute)')).toEqual({ invalid: 'rate: 3 needs the plural unit' });
  });
});

describe('cron expressions: minutes and hours', () => {
  it('fires daily at a fixed time, strictly after the given instant', () => {
    expect(firings('cron(0 12 * * ? *)', '2026-01-01T00:00')).toEqual(['2026-01-01T12:00:00Z', '2026-01-02T12:00:00Z', '2026-01-03T12:00:00Z']);
    expect(firings('cron(0 12 * * ? *)', '2026-01-01T12:00', 1)).toEqual(['2026-01-02T12:00:00Z']);
    expect(firings('cron(0 12 * * ? *)', '2026-01-01T11:59:59.999', 1)).toEqual(['2026-01-01T12:00:00Z']);
  });

  it('fires every minute with all wildcards, at the next whole minute', () => {
    expect(firings('cron(* * * * ? *)', '2026-01-01T12:00:30')).toEqual(['2026-01-01T12:01:00Z', '2026-01-01T12:02:00Z', '2026-01-01T12:03:00Z']);
    expect(firings('cron(* * ? * * *)', '2026-01-01T12:00:00', 1)).toEqual(['2026-01-01T12:01:00Z']);
  });

  it('takes lists, ranges and increments', () => {
    expect(firings('cron(0,15,30,45 * * * ? *)', '2026-01-01T10:20', 4)).toEqual(['2026-01-01T10:30:00Z', '2026-01-01T10:45:00Z', '2026-01-01T11:00:00Z', '2026-01-01T11:15:00Z']);
    expect(firings('cron(10-12 9 * * ? *)', '2026-01-01T09:00', 4)).toEqual(['2026-01-01T09:10:00Z', '2026-01-01T09:11:00Z', '2026-01-01T09:12:00Z', '2026-01-02T09:10:00Z']);
    expect(firings('cron(*/20 * * * ? *)', '2026-01-01T10:00', 4)).toEqual(['2026-01-01T10:20:00Z', '2026-01-01T10:40:00Z', '2026-01-01T11:00:00Z', '2026-01-01T11:20:00Z']);
    expect(firings('cron(5/20 * * * ? *)', '2026-01-01T10:00', 4)).toEqual(['2026-01-01T10:05:00Z', '2026-01-01T10:25:00Z', '2026-01-01T10:45:00Z', '2026-01-01T11:05:00Z']);
    expect(firings('cron(0 8-18/4 * * ? *)', '2026-01-01T00:00', 4)).toEqual(['2026-01-01T08:00:00Z', '2026-01-01T12:00:00Z', '2026-01-01T16:00:00Z', '2026-01-02T08:00:00Z']);
    expect(firings('cron(0/30 9,17 * * ? *)', '2026-01-01T00:00', 4)).toEqual(['2026-01-01T09:00:00Z', '2026-01-01T09:30:00Z', '2026-01-01T17:00:00Z', '2026-01-01T17:30:00Z']);
  });

  it('wraps a reversed range around the field', () => {
    expect(firings('cron(0 22-1 * * ? *)', '2026-01-01T12:00', 5)).toEqual([
      '2026-01-01T22:00:00Z', '2026-01-01T23:00:00Z', '2026-01-02T00:00:00Z', '2026-01-02T01:00:00Z', '2026-01-02T22:00:00Z',
    ]);
    expect(firings('cron(50-10/10 9 * * ? *)', '2026-01-01T00:00', 3)).toEqual(['2026-01-01T09:00:00Z', '2026-01-01T09:10:00Z', '2026-01-01T09:50:00Z']);
  });

  it('is UTC: daylight saving changes move nothing', () => {
    // US clocks changed on 2026-03-08, European ones on 2026-03-29 and 2026-10-25.
    expect(firings('cron(30 2 * * ? *)', '2026-03-07T12:00')).toEqual(['2026-03-08T02:30:00Z', '2026-03-09T02:30:00Z', '2026-03-10T02:30:00Z']);
    expect(firings('cron(30 1 * * ? *)', '2026-03-28T12:00')).toEqual(['2026-03-29T01:30:00Z', '2026-03-30T01:30:00Z', '2026-03-31T01:30:00Z']);
    expect(firings('cron(30 1 * * ? *)', '2026-10-24T12:00', 2)).toEqual(['2026-10-25T01:30:00Z', '2026-10-26T01:30:00Z']);
  });
});

describe('cron expressions: days of the month', () => {
  it('skips months without the day', () => {
    expect(firings('cron(0 0 31 * ? *)', '2026-01-31T00:01')).toEqual(['2026-03-31T00:00:00Z', '2026-05-31T00:00:00Z', '2026-07-31T00:00:00Z']);
    expect(firings('cron(0 0 30 * ? *)', '2026-01-30T00:00', 2)).toEqual(['2026-03-30T00:00:00Z', '2026-04-30T00:00:00Z']);
  });

  it('finds the 29th of February only in leap years (2100 is not one)', () => {
    expect(firings('cron(0 0 29 2 ? *)', '2026-01-01T00:00', 2)).toEqual(['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
    expect(firings('cron(0 0 29 2 ? *)', '2096-03-01T00:00', 1)).toEqual(['2104-02-29T00:00:00Z']);
  });

  it('never fires on a day that never exists', () => {
    expect(nextFire('cron(0 0 31 2 ? *)', at('2026-01-01T00:00'))).toBeUndefined();
    expect(nextFire('cron(0 0 30 FEB ? *)', at('2026-01-01T00:00'))).toBeUndefined();
  });

  it('takes day lists and increments', () => {
    expect(firings('cron(0 0 1-31/10 * ? *)', '2026-01-01T00:00', 4)).toEqual(['2026-01-11T00:00:00Z', '2026-01-21T00:00:00Z', '2026-01-31T00:00:00Z', '2026-02-01T00:00:00Z']);
    expect(firings('cron(0 0 1,15 * ? *)', '2026-01-01T00:00', 3)).toEqual(['2026-01-15T00:00:00Z', '2026-02-01T00:00:00Z', '2026-02-15T00:00:00Z']);
  });

  it('L is the last day of each month, leap years included', () => {
    expect(firings('cron(0 0 L * ? *)', '2024-01-31T00:00', 3)).toEqual(['2024-02-29T00:00:00Z', '2024-03-31T00:00:00Z', '2024-04-30T00:00:00Z']);
    expect(firings('cron(0 0 L 2 ? *)', '2026-01-01T00:00', 3)).toEqual(['2026-02-28T00:00:00Z', '2027-02-28T00:00:00Z', '2028-02-29T00:00:00Z']);
  });

  it('LW is the last weekday of the month', () => {
    // 2026-01-31 is a Saturday, 2026-05-31 a Sunday, 2026-03-31 a Tuesday.
    expect(firings('cron(0 9 LW * ? 2026)', '2026-01-01T00:00', 5)).toEqual([
      '2026-01-30T09:00:00Z', '2026-02-27T09:00:00Z', '2026-03-31T09:00:00Z', '2026-04-30T09:00:00Z', '2026-05-29T09:00:00Z',
    ]);
  });

  it('nW is the nearest weekday, never leaving the month', () => {
    // 2026-02-15 is a Sunday → Monday 16th; 2026-08-15 a Saturday → Friday 14th.
    expect(firings('cron(0 9 15W * ? 2026)', '2026-01-20T00:00', 1)).toEqual(['2026-02-16T09:00:00Z']);
    expect(firings('cron(0 9 15W * ? 2026)', '2026-08-01T00:00', 1)).toEqual(['2026-08-14T09:00:00Z']);
    expect(firings('cron(0 9 15W * ? 2026)', '2026-01-01T00:00', 1)).toEqual(['2026-01-15T09:00:00Z']);
    // 2022-01-01 is a Saturday: the nearest weekday in January is Monday the 3rd, not Friday 31 December.
    expect(firings('cron(0 9 1W * ? *)', '2021-12-31T12:00', 1)).toEqual(['2022-01-03T09:00:00Z']);
    // 2022-07-31 is a Sunday: Friday the 29th, not Monday 1 August.
    expect(firings('cron(0 9 31W * ? *)', '2022-07-01T00:00', 1)).toEqual(['2022-07-29T09:00:00Z']);
    // A day the month does not have: no firing that month.
    expect(firings('cron(0 9 30W * ? 2026)', '2026-01-31T00:00', 1)).toEqual(['2026-03-30T09:00:00Z']);
  });
});

describe('cron expressions: days of the week (1 = SUN … 7 = SAT)', () => {
  it('numbers and names are the same days', () => {
    // 2026-01-01 is a Thursday.
    const weekdays = ['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-05T10:00:00Z'];
    expect(firings('cron(0 10 ? * MON-FRI *)', '2026-01-01T00:00')).toEqual(weekdays);
    expect(firings('cron(0 10 ? * 2-6 *)', '2026-01-01T00:00')).toEqual(weekdays);
    expect(firings('cron(0 10 ? * mon-fri *)', '2026-01-01T00:00')).toEqual(weekdays);
    expect(firings('cron(0 10 ? * 1 *)', '2026-01-01T00:00', 1)).toEqual(['2026-01-04T10:00:00Z']);
    expect(firings('cron(0 10 ? * SUN *)', '2026-01-01T00:00', 1)).toEqual(['2026-01-04T10:00:00Z']);
    expect(firings('cron(0 10 ? * 7 *)', '2026-01-01T00:00', 1)).toEqual(['2026-01-03T10:00:00Z']);
    expect(firings('cron(0 10 ? * SUN,SAT *)', '2026-01-01T00:00')).toEqual(['2026-01-03T10:00:00Z', '2026-01-04T10:00:00Z', '2026-01-10T10:00:00Z']);
  });

  it('wraps FRI-MON over the weekend', () => {
    expect(firings('cron(0 10 ? * FRI-MON *)', '2026-01-01T00:00', 5)).toEqual([
      '2026-01-02T10:00:00Z', '2026-01-03T10:00:00Z', '2026-01-04T10:00:00Z', '2026-01-05T10:00:00Z', '2026-01-09T10:00:00Z',
    ]);
  });

  it('nL is the last such weekday of the month; L alone is Saturday', () => {
    expect(firings('cron(0 10 ? * 5L 2026)', '2026-01-01T00:00')).toEqual(['2026-01-29T10:00:00Z', '2026-02-26T10:00:00Z', '2026-03-26T10:00:00Z']);
    expect(firings('cron(0 10 ? * FRIL 2026)', '2026-01-01T00:00', 2)).toEqual(['2026-01-30T10:00:00Z', '2026-02-27T10:00:00Z']);
    expect(firings('cron(0 10 ? * L *)', '2026-01-01T00:00', 2)).toEqual(['2026-01-03T10:00:00Z', '2026-01-10T10:00:00Z']);
  });

  it('n#k is the k-th such weekday, skipping months without one', () => {
    expect(firings('cron(0 10 ? * 3#2 *)', '2026-01-01T00:00', 2)).toEqual(['2026-01-13T10:00:00Z', '2026-02-10T10:00:00Z']);
    expect(firings('cron(0 10 ? * MON#1 *)', '2026-01-01T00:00', 2)).toEqual(['2026-01-05T10:00:00Z', '2026-02-02T10:00:00Z']);
    // January and February 2026 have four Sundays; March has five.
    expect(firings('cron(0 10 ? * 1#5 *)', '2026-01-01T00:00', 1)).toEqual(['2026-03-29T10:00:00Z']);
  });
});

describe('cron expressions: months and years', () => {
  it('takes month names, increments and wrapped ranges', () => {
    expect(firings('cron(0 0 1 JAN-MAR ? *)', '2026-01-01T00:00')).toEqual(['2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2027-01-01T00:00:00Z']);
    expect(firings('cron(0 0 1 1/3 ? *)', '2026-01-01T00:00', 4)).toEqual(['2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z', '2026-10-01T00:00:00Z', '2027-01-01T00:00:00Z']);
    expect(firings('cron(0 0 1 NOV-FEB ? 2026)', '2026-01-15T00:00', 3)).toEqual(['2026-02-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z']);
  });

  it('rolls over the end of a year', () => {
    expect(firings('cron(0 0 1 1 ? *)', '2026-12-31T23:59:30', 1)).toEqual(['2027-01-01T00:00:00Z']);
    expect(firings('cron(59 23 31 12 ? *)', '2026-12-31T23:58', 2)).toEqual(['2026-12-31T23:59:00Z', '2027-12-31T23:59:00Z']);
  });

  it('keeps to the listed years and stops after the last', () => {
    expect(firings('cron(0 0 1 1 ? 2030)', '2026-01-01T00:00', 2)).toEqual(['2030-01-01T00:00:00Z', undefined]);
    expect(firings('cron(0 0 1 1 ? 2026,2028)', '2026-01-01T00:00', 2)).toEqual(['2028-01-01T00:00:00Z', undefined]);
    expect(firings('cron(0 0 1 1 ? 2030-2032)', '2026-01-01T00:00', 4)).toEqual(['2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z', '2032-01-01T00:00:00Z', undefined]);
    expect(firings('cron(0 0 1 1 ? 2026/4)', '2026-01-01T00:00', 2)).toEqual(['2030-01-01T00:00:00Z', '2034-01-01T00:00:00Z']);
    expect(nextFire('cron(0 0 1 1 ? 1999)', at('2026-01-01T00:00'))).toBeUndefined();
    expect(nextFire('cron(0 0 1 1 ? 2199)', at('2199-01-01T00:00'))).toBeUndefined();
    expect(iso(nextFire('cron(59 23 31 12 ? 2199)', at('2199-01-01T00:00')))).toBe('2199-12-31T23:59:00Z');
    expect(iso(nextFire('cron(0 0 1 1 ? 1970)', at('1969-06-01T00:00')))).toBe('1970-01-01T00:00:00Z');
  });

  it('finds a far firing without scanning minute by minute', () => {
    const started = performance.now();
    expect(nextFire('cron(0 0 31 2 ? *)', at('1970-01-01T00:00'))).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('cron expressions: what AWS refuses', () => {
  it.each([
    ['cron(0 12 * * *)', 'five fields'],
    ['cron(0 0 12 * * ? *)', 'seven fields (seconds)'],
    ['cron(7 20 * * 1-7 *)', "no '?'"],
    ['cron(0 0 * * * *)', "no '?'"],
    ['cron(0 0 ? * ? *)', "two '?'"],
    ['cron(60 0 * * ? *)', 'minute 60'],
    ['cron(0 24 * * ? *)', 'hour 24'],
    ['cron(0 0 0 * ? *)', 'day 0'],
    ['cron(0 0 32 * ? *)', 'day 32'],
    ['cron(0 0 1 13 ? *)', 'month 13'],
    ['cron(0 0 1 0 ? *)', 'month 0'],
    ['cron(0 0 ? * 0 *)', 'weekday 0'],
    ['cron(0 0 ? * 8 *)', 'weekday 8'],
    ['cron(0 0 1 1 ? 1969)', 'year 1969'],
    ['cron(0 0 1 1 ? 2200)', 'year 2200'],
    ['cron(0 0 1 1 ? 2030-2026)', 'a backwards year range'],
    ['cron(*/0 * * * ? *)', 'increment 0'],
    ['cron(/5 * * * ? *)', 'increment without a start'],
    ['cron(5/ * * * ? *)', 'increment without a step'],
    ['cron(1/2/3 * * * ? *)', 'two increments'],
    ['cron(5- * * * ? *)', 'open range'],
    ['cron(-5 * * * ? *)', 'negative value'],
    ['cron(1-2-3 * * * ? *)', 'double range'],
    ['cron(1,,2 * * * ? *)', 'empty list element'],
    ['cron(1, * * * ? *)', 'trailing comma'],
    ['cron(L * * * ? *)', 'L in minutes'],
    ['cron(? 0 1 * ? *)', '? in minutes'],
    ['cron(0 0 1 ? * *)', '? in month'],
    ['cron(0 0 ? * 2W *)', 'W in day-of-week'],
    ['cron(0 0 1#2 * ? *)', '# in day-of-month'],
    ['cron(0 0 ? * 3#6 *)', '#6'],
    ['cron(0 0 ? * 3#0 *)', '#0'],
    ['cron(0 0 ? * 8#1 *)', 'weekday 8 in #'],
    ['cron(0 0 ? * 5L,6 *)', 'nL in a list'],
    ['cron(0 0 LW,1 * ? *)', 'LW in a list'],
    ['cron(0 0 L-2 * ? *)', 'L with an offset'],
    ['cron(0 0 15W-20 * ? *)', 'W in a range'],
    ['cron(0 0 32W * ? *)', 'W on day 32'],
    ['cron(0 0 ? * 1/2 *)', "'/' in day-of-week"],
    ['cron(0 0 ? * JAN *)', 'a month name as a weekday'],
    ['cron(0 0 1 MON ? *)', 'a weekday name as a month'],
    ['cron(0 0 1 JANUARY ? *)', 'a long month name'],
    ['cron(a 0 1 * ? *)', 'a letter as a minute'],
    ['cron(1.5 0 1 * ? *)', 'a fraction'],
    ['cron()', 'empty'],
    ['cron(0 12 * * ? *', 'no closing parenthesis'],
    ['cron 0 12 * * ? *', 'no parentheses'],
    ['CRON(0 12 * * ? *)', 'upper-case keyword'],
    ['0 12 * * ? *', 'bare fields'],
    ['', 'empty string'],
    ['at(2026-01-01T00:00:00)', "Scheduler's one-time at()"],
  ])('refuses %j (%s)', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow('Parameter ScheduleExpression is not valid.');
    expect(() => nextFire(expression, 0)).toThrow(ValidationException);
  });

  it('names the reason internally', () => {
    expect(explainScheduleExpression('cron(0 0 * * * *)')).toEqual({ invalid: "cron: exactly one of Day-of-month and Day-of-week must be '?'" });
    expect(explainScheduleExpression('cron(60 0 * * ? *)')).toEqual({ invalid: 'cron: Minutes: 60 is outside 0-59' });
  });

  it('accepts runs of spaces between fields and leading zeros', () => {
    expect(firings('cron(05  09 * * ? *)', '2026-01-01T00:00', 1)).toEqual(['2026-01-01T09:05:00Z']);
  });
});
