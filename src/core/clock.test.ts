import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('ManualClock', () => {
  it('fires timers in order as time advances, and not cancelled ones', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push('late'), 200);
    const cancel = clock.setTimer(() => fired.push('cancelled'), 50);
    clock.setTimer(() => fired.push('early'), 100);
    cancel();
    clock.advance(150);
    expect(fired).toEqual(['early']);
    expect(clock.now()).toBe(150);
    clock.advance(100);
    expect(fired).toEqual(['early', 'late']);
  });

  it('fires a timer due now at the next advance, even of 0 ms, and keeps monotonic time with its epoch time', () => {
    const clock = new ManualClock(1000);
    let fired = 0;
    clock.setTimer(() => fired++, 0);
    expect(fired).toBe(0);
    clock.advance(0);
    expect(fired).toBe(1);
    clock.advance(25);
    expect(clock.monotonic()).toBe(1025);
    expect(clock.monotonic()).toBe(clock.now());
  });
});

describe('systemClock', () => {
  it('runs a timer due now within the turn, before a 1 ms timeout, and not once cancelled', async () => {
    const order: string[] = [];
    const done = new Promise<void>((resolve) => setTimeout(resolve, 1));
    systemClock.setTimer(() => order.push('now'), 0);
    const cancel = systemClock.setTimer(() => order.push('cancelled'), 0);
    cancel();
    await done;
    order.push('timeout');
    expect(order).toEqual(['now', 'timeout']);
  });

  it('measures monotonic time on the timeline of performance.now()', () => {
    const before = performance.now();
    const t = systemClock.monotonic();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(performance.now());
  });
});
