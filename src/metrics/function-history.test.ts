import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, bucketValue, FunctionHistory, quantile } from './function-history.js';
import { MetricsHistory } from './history.js';

const MINUTE = 60_000;
// A minute boundary, so that offsets read plainly.
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE);

describe('duration buckets', () => {
  it('read a duration back within 10 %', () => {
    for (const ms of [0.2, 1, 3.7, 12, 150, 999, 4_321, 60_000, 900_000]) {
      const back = bucketValue(bucketOf(ms));
      expect(Math.abs(back - ms) / ms, `${ms} ms read back as ${back}`).toBeLessThan(0.1);
    }
  });

  it('put what is below the scale in the first bucket and what is above it in the last', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e12)).toBe(BUCKETS - 1);
  });

  it('give quantiles by rank', () => {
    const h = new Uint32Array(BUCKETS);
    for (let i = 0; i < 98; i++) h[bucketOf(10)]!++;
    h[bucketOf(1000)]! += 2;
    expect(quantile(h, 100, 0.5)).toBe(bucketValue(bucketOf(10)));
    expect(quantile(h, 100, 0.99)).toBe(bucketValue(bucketOf(1000)));
    expect(quantile(h, 0, 0.5)).toBeNull();
  });
});

describe('FunctionHistory', () => {
  it('gives the last 60 minutes oldest first, empty minutes as zeros and nulls', () => {
    const h = new FunctionHistory();
    h.ran(T0 + 1000, 10, false, 1);
    h.ran(T0 + 2000, 20, true, 3);
    h.throttled(T0 + 3000);
    h.ran(T0 + 5 * MINUTE + 10, 5, false, 2);
    const hour = h.lastHour(T0 + 5 * MINUTE + 30_000);
    expect(hour).toHaveLength(60);
    expect(hour[0]!.t).toBe(T0 - 54 * MINUTE);
    expect(hour[59]!.t).toBe(T0 + 5 * MINUTE);
    const first = hour[54]!;
    expect(first).toMatchObject({ t: T0, invocations: 2, errors: 1, throttles: 1, maxConcurrency: 3 });
    expect(first.p50).toBe(bucketValue(bucketOf(10)));
    expect(first.p99).toBe(bucketValue(bucketOf(20)));
    expect(hour[55]).toEqual({ t: T0 + MINUTE, invocations: 0, errors: 0, throttles: 0, p50: null, p99: null, maxConcurrency: 0 });
    expect(hour[59]).toMatchObject({ invocations: 1, maxConcurrency: 2 });
  });

  it('forgets a minute once the ring came round to it again', () => {
    const h = new FunctionHistory();
    h.ran(T0, 10, false, 1);
    // 60 minutes later the same slot holds the new minute only.
    h.ran(T0 + 60 * MINUTE, 30, true, 1);
    const hour = h.lastHour(T0 + 60 * MINUTE);
    expect(hour.reduce((n, m) => n + m.invocations, 0)).toBe(1);
    expect(hour[59]).toMatchObject({ invocations: 1, errors: 1, p50: bucketValue(bucketOf(30)) });
    // An hour with no runs reads as zeros, without anything written.
    expect(h.lastHour(T0 + 200 * MINUTE).every((m) => m.invocations === 0 && m.p50 === null)).toBe(true);
  });

  it('sums the last 60 seconds only', () => {
    const h = new FunctionHistory();
    h.ran(T0 + 1000, 10, false, 1);
    h.ran(T0 + 30_000, 10, true, 1);
    h.throttled(T0 + 59_000);
    expect(h.recent(T0 + 59_500)).toMatchObject({ invocations: 2, errors: 1, throttles: 1 });
    // 61.5 s after the first run: it left the window, the others did not.
    expect(h.recent(T0 + 62_500)).toMatchObject({ invocations: 1, errors: 1, throttles: 1 });
    expect(h.recent(T0 + 200_000)).toMatchObject({ invocations: 0, errors: 0, throttles: 0 });
  });
});

describe('MetricsHistory', () => {
  it('keeps accounts apart and lists the busiest function first', () => {
    const m = new MetricsHistory();
    m.of('111111111111', 'a')!.ran(T0, 1, false, 1);
    for (let i = 0; i < 3; i++) m.of('111111111111', 'b')!.ran(T0, 1, false, 1);
    m.of('222222222222', 'a')!.ran(T0, 1, false, 1);
    const rows = m.summary('111111111111', T0 + 1000, (name) => (name === 'b' ? 2 : 0));
    expect(rows.map((r) => [r.function, r.invocations, r.concurrency])).toEqual([
      ['b', 3, 2],
      ['a', 1, 0],
    ]);
    expect(m.history('222222222222', 'b', T0).minutes.every((p) => p.invocations === 0)).toBe(true);
  });

  it('keeps no more functions than its cap', () => {
    const m = new MetricsHistory(2);
    expect(m.of('111111111111', 'a')).toBeDefined();
    expect(m.of('111111111111', 'b')).toBeDefined();
    expect(m.of('111111111111', 'c')).toBeUndefined();
    expect(m.of('111111111111', 'a')).toBeDefined();
  });
});
