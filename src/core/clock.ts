/**
 * Time as an injectable dependency, so that keep-alive, retries and schedules can be
 * tested without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Milliseconds on a timeline with an arbitrary origin that never goes back, for durations
   * (setting the wall clock does not move it). The system clock's is `performance.now()`'s,
   * the timeline of `Sandbox.spawnedAt`.
   */
  monotonic(): number;
  /** Schedules `fn` after `ms` (0: once the work in hand is done); returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

/**
 * The real clock. Timers are unref'd: a pending timer never keeps the process alive. A
 * timer due now runs once the current I/O is handled (`setImmediate`), not a millisecond
 * later as Node's `setTimeout(fn, 0)` would.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms) {
    if (ms <= 0) {
      const i = setImmediate(fn);
      i.unref();
      return () => clearImmediate(i);
    }
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** A clock that moves only when told to; for tests. Its monotonic time is its epoch time. */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward, firing due timers in order (`advance(0)` fires those due now). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }
}
