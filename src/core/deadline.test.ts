import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { deadline, timeLimit } from './deadline.js';

describe('deadline', () => {
  it('passes when the clock reaches it, not a millisecond before, with a TimeoutError', async () => {
    const clock = new ManualClock(10_000);
    const d = deadline(clock, 3000);
    expect(d.at).toBe(13_000);
    clock.advance(2999);
    expect(d.signal.aborted).toBe(false);
    clock.advance(1);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toMatchObject({ name: 'TimeoutError' });
    await d.passed;
  });

  it('ends with its parent, carrying the parent reason', async () => {
    const clock = new ManualClock();
    const parent = new AbortController();
    const d = deadline(clock, 60_000, parent.signal);
    const reason = new Error('stopped');
    parent.abort(reason);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe(reason);
    await d.passed;
  });

  it('has passed at once under a parent that already aborted', async () => {
    const d = deadline(new ManualClock(), 60_000, AbortSignal.abort('gone'));
    expect(d.signal.reason).toBe('gone');
    await d.passed;
  });

  it('once disposed, neither the clock nor the parent aborts it', () => {
    const clock = new ManualClock();
    const parent = new AbortController();
    const d = deadline(clock, 1000, parent.signal);
    d.dispose();
    clock.advance(5000);
    parent.abort();
    expect(d.signal.aborted).toBe(false);
  });
});

describe('timeLimit', () => {
  it('passes when the clock reaches it, not a millisecond before', () => {
    const clock = new ManualClock(10_000);
    let passed = 0;
    const limit = timeLimit(clock, 3000, () => passed++);
    expect(limit.at).toBe(13_000);
    clock.advance(2999);
    expect(passed).toBe(0);
    clock.advance(1);
    expect(passed).toBe(1);
  });

  it('once disposed, never passes', () => {
    const clock = new ManualClock();
    let passed = 0;
    timeLimit(clock, 1000, () => passed++).dispose();
    clock.advance(5000);
    expect(passed).toBe(0);
  });
});
