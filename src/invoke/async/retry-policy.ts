/**
 * When the async queue tries an event again, as AWS documents it
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):
 * - a function error (its code threw, it timed out, its runtime crashed) is retried up to
 *   MaximumRetryAttempts more times, "with a one-minute wait between the first two
 *   attempts, and two minutes between the second and third": `retryBase × attempt`;
 * - a throttle (429) or a platform error is retried with a wait that "increases
 *   exponentially from 1 second after the first attempt to a maximum of 5 minutes", for as
 *   long as the event is younger than MaximumEventAgeInSeconds.
 * The bases are configuration (`--async-retry-base`, `--async-throttle-base`,
 * `--async-throttle-max`) so that tests and impatient developers can shrink them.
 */

export interface RetryTimings {
  /** The unit of the waits after function errors (AWS: one minute). */
  retryBaseMs: number;
  /** The first wait after a throttle or platform error (AWS: one second). */
  throttleBaseMs: number;
  /** The longest wait after throttles or platform errors (AWS: five minutes). */
  throttleMaxMs: number;
}

export const AWS_RETRY_TIMINGS: RetryTimings = { retryBaseMs: 60_000, throttleBaseMs: 1_000, throttleMaxMs: 300_000 };

/** The wait after the `attempts`-th invocation failed with a function error (1-based). */
export function functionErrorDelay(attempts: number, t: RetryTimings): number {
  return t.retryBaseMs * Math.max(1, attempts);
}

/** The wait after the `failures`-th consecutive throttle or platform error (1-based). */
export function throttleDelay(failures: number, t: RetryTimings): number {
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  return Math.min(t.throttleBaseMs * 2 ** exponent, t.throttleMaxMs);
}

/** Whether an event accepted at `enqueuedAt` is older than its maximum age at `now`. */
export function isExpired(enqueuedAt: number, maximumEventAgeInSeconds: number, now: number): boolean {
  return now - enqueuedAt > maximumEventAgeInSeconds * 1000;
}

/** When an event accepted at `enqueuedAt` expires (ms since the epoch). */
export function expiresAt(enqueuedAt: number, maximumEventAgeInSeconds: number): number {
  return enqueuedAt + maximumEventAgeInSeconds * 1000;
}
