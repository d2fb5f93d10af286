import { afterEach, describe, expect, it, vi } from 'vitest';
import { BURST_GAP_MS, DemandTarget } from './demand-target.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('DemandTarget', () => {
  it('keeps two once started, then the largest burst plus one, up to its most', () => {
    const target = new DemandTarget(40, () => undefined, 60_000);
    expect(target.value).toBe(1);
    target.started(0);
    expect(target.value).toBe(2);
    // Starts further apart than the gap are bursts of one each.
    target.started(BURST_GAP_MS);
    target.started(2 * BURST_GAP_MS);
    expect(target.value).toBe(2);
    for (let i = 0; i < 10; i++) target.started(10_000 + i * 100);
    expect(target.value).toBe(11);
    // A smaller burst later lowers nothing.
    for (let i = 0; i < 3; i++) target.started(20_000 + i);
    expect(target.value).toBe(11);
    for (let i = 0; i < 100; i++) target.started(30_000 + i);
    expect(target.value).toBe(40);
    target.stop();
  });

  it('says a start follows another while the last two were less than the gap apart, and not once the gap passed since', () => {
    const target = new DemandTarget(40, () => undefined, 60_000);
    expect(target.following(0)).toBe(false);
    target.started(0);
    // A lone first start (the probe's) is no stream.
    expect(target.following(100)).toBe(false);
    target.started(100);
    expect(target.following(200)).toBe(true);
    expect(target.following(100 + BURST_GAP_MS)).toBe(false);
    target.started(100 + 2 * BURST_GAP_MS);
    expect(target.following(200 + 2 * BURST_GAP_MS)).toBe(false);
    target.stop();
  });

  it('halves down to one after each idle period; a start begins the period again', () => {
    vi.useFakeTimers();
    const shrunk: number[] = [];
    const target = new DemandTarget(64, (n) => shrunk.push(n), 60_000);
    for (let i = 0; i < 40; i++) target.started(1_000 + i);
    expect(target.value).toBe(41);
    vi.advanceTimersByTime(59_000);
    target.started(100_000);
    vi.advanceTimersByTime(59_000);
    expect(shrunk).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(shrunk).toEqual([20]);
    vi.advanceTimersByTime(60_000 * 10);
    expect(shrunk).toEqual([20, 10, 5, 2, 1]);
    expect(target.value).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops halving when stopped', () => {
    vi.useFakeTimers();
    const shrunk: number[] = [];
    const target = new DemandTarget(8, (n) => shrunk.push(n), 1_000);
    target.started(0);
    target.stop();
    vi.advanceTimersByTime(10_000);
    expect(shrunk).toEqual([]);
    expect(target.value).toBe(2);
  });
});
