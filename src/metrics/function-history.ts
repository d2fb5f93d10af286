/**
 * One function's last hour, minute by minute, and its last 60 seconds, second by second,
 * in fixed typed arrays: recording a run is a few array writes, never an allocation, so
 * the console's charts cost the invoke path next to nothing. A slot remembers which
 * minute (or second) it holds; a slot left over from an earlier lap of the ring reads as
 * empty and is cleared when written again, so no timer sweeps anything.
 *
 * Durations go into log-scale buckets, four per doubling from 0.1 ms (each bucket spans
 * 19 %, so a percentile read back is within about 9 % of the true one) up to 28 minutes,
 * longer than the longest timeout; a percentile is the geometric middle of its bucket.
 */

export const MINUTES = 60;
export const SECONDS = 60;
const MINUTE_MS = 60_000;
const SECOND_MS = 1000;
const LOWEST_MS = 0.1;
const PER_DOUBLING = 4;
/** Bucket 0 holds everything under LOWEST_MS; bucket i ≥ 1 holds [LOWEST·2^((i-1)/4), LOWEST·2^(i/4)). */
export const BUCKETS = 1 + PER_DOUBLING * 24;

// Per-minute counters, in this order.
const INVOCATIONS = 0;
const ERRORS = 1;
const THROTTLES = 2;
const MAX_CONCURRENCY = 3;
const MINUTE_FIELDS = 4;
// Per-second counters.
const SECOND_FIELDS = 3;

/** One minute of the history route's answer. */
export interface MinutePoint {
  /** Epoch milliseconds of the minute's start. */
  t: number;
  invocations: number;
  errors: number;
  throttles: number;
  p50: number | null;
  p99: number | null;
  maxConcurrency: number;
}

/** A function's last 60 seconds, as the summary route gives it. */
export interface RecentTotals {
  invocations: number;
  errors: number;
  throttles: number;
  /** Over the current and the previous minute (durations are kept per minute). */
  p50: number | null;
  p99: number | null;
}

/** The bucket of a duration in milliseconds. */
export function bucketOf(ms: number): number {
  if (!(ms >= LOWEST_MS)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(PER_DOUBLING * Math.log2(ms / LOWEST_MS)));
}

/** The value a bucket stands for: the geometric middle of its bounds, rounded to 0.01 ms. */
export function bucketValue(bucket: number): number {
  const ms = bucket === 0 ? LOWEST_MS / 2 : LOWEST_MS * 2 ** ((bucket - 0.5) / PER_DOUBLING);
  return Math.round(ms * 100) / 100;
}

/** The `q` quantile (0 < q ≤ 1) of a histogram of `count` durations; null when empty. */
export function quantile(histogram: ArrayLike<number>, count: number, q: number): number | null {
  if (count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let b = 0; b < BUCKETS; b++) {
    seen += histogram[b]!;
    if (seen >= rank) return bucketValue(b);
  }
  return bucketValue(BUCKETS - 1);
}

export class FunctionHistory {
  private readonly minuteOf = new Float64Array(MINUTES).fill(-1);
  private readonly minutes = new Uint32Array(MINUTES * MINUTE_FIELDS);
  private readonly durations = new Uint32Array(MINUTES * BUCKETS);
  private readonly secondOf = new Float64Array(SECONDS).fill(-1);
  private readonly seconds = new Uint32Array(SECONDS * SECOND_FIELDS);
  /** Epoch ms of the last run recorded. */
  lastAt = 0;

  /** A run that ended at `at`: its duration, whether the function failed, and the concurrency it ran in. */
  ran(at: number, durationMs: number, failed: boolean, concurrency: number): void {
    const m = this.minuteSlot(at);
    this.minutes[m * MINUTE_FIELDS + INVOCATIONS]!++;
    if (failed) this.minutes[m * MINUTE_FIELDS + ERRORS]!++;
    if (concurrency > this.minutes[m * MINUTE_FIELDS + MAX_CONCURRENCY]!) this.minutes[m * MINUTE_FIELDS + MAX_CONCURRENCY] = concurrency;
    this.durations[m * BUCKETS + bucketOf(durationMs)]!++;
    const s = this.secondSlot(at);
    this.seconds[s * SECOND_FIELDS + INVOCATIONS]!++;
    if (failed) this.seconds[s * SECOND_FIELDS + ERRORS]!++;
    this.lastAt = at;
  }

  /** A run refused for concurrency (TooManyRequestsException) at `at`. */
  throttled(at: number): void {
    this.minutes[this.minuteSlot(at) * MINUTE_FIELDS + THROTTLES]!++;
    this.seconds[this.secondSlot(at) * SECOND_FIELDS + THROTTLES]!++;
    this.lastAt = at;
  }

  /** The 60 minutes up to the one holding `now`, oldest first; minutes without runs are zeros. */
  lastHour(now: number): MinutePoint[] {
    const current = Math.floor(now / MINUTE_MS);
    const points: MinutePoint[] = [];
    for (let minute = current - MINUTES + 1; minute <= current; minute++) {
      const slot = minute % MINUTES;
      const held = this.minuteOf[slot] === minute;
      const field = (f: number) => (held ? this.minutes[slot * MINUTE_FIELDS + f]! : 0);
      const count = field(INVOCATIONS);
      const histogram = this.durations.subarray(slot * BUCKETS, (slot + 1) * BUCKETS);
      points.push({
        t: minute * MINUTE_MS,
        invocations: count,
        errors: field(ERRORS),
        throttles: field(THROTTLES),
        p50: held ? quantile(histogram, count, 0.5) : null,
        p99: held ? quantile(histogram, count, 0.99) : null,
        maxConcurrency: field(MAX_CONCURRENCY),
      });
    }
    return points;
  }

  /** The counts of the 60 seconds up to `now`, and the percentiles of this minute and the one before. */
  recent(now: number): RecentTotals {
    const current = Math.floor(now / SECOND_MS);
    let invocations = 0;
    let errors = 0;
    let throttles = 0;
    for (let slot = 0; slot < SECONDS; slot++) {
      const second = this.secondOf[slot]!;
      if (second <= current - SECONDS || second > current) continue;
      invocations += this.seconds[slot * SECOND_FIELDS + INVOCATIONS]!;
      errors += this.seconds[slot * SECOND_FIELDS + ERRORS]!;
      throttles += this.seconds[slot * SECOND_FIELDS + THROTTLES]!;
    }
    const merged = new Uint32Array(BUCKETS);
    let count = 0;
    const minute = Math.floor(now / MINUTE_MS);
    for (const m of [minute - 1, minute]) {
      const slot = ((m % MINUTES) + MINUTES) % MINUTES;
      if (this.minuteOf[slot] !== m) continue;
      count += this.minutes[slot * MINUTE_FIELDS + INVOCATIONS]!;
      for (let b = 0; b < BUCKETS; b++) merged[b]! += this.durations[slot * BUCKETS + b]!;
    }
    return { invocations, errors, throttles, p50: quantile(merged, count, 0.5), p99: quantile(merged, count, 0.99) };
  }

  private minuteSlot(at: number): number {
    const minute = Math.floor(at / MINUTE_MS);
    const slot = minute % MINUTES;
    if (this.minuteOf[slot] !== minute) {
      this.minuteOf[slot] = minute;
      this.minutes.fill(0, slot * MINUTE_FIELDS, (slot + 1) * MINUTE_FIELDS);
      this.durations.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
    }
    return slot;
  }

  private secondSlot(at: number): number {
    const second = Math.floor(at / SECOND_MS);
    const slot = second % SECONDS;
    if (this.secondOf[slot] !== second) {
      this.secondOf[slot] = second;
      this.seconds.fill(0, slot * SECOND_FIELDS, (slot + 1) * SECOND_FIELDS);
    }
    return slot;
  }
}
