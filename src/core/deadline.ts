/**
 * A time limit as an AbortSignal on a Clock: an invocation's timeout, a runtime's init
 * limit. Limits are passed down as signals rather than timers scattered around, and one that
 * ends early is disposed: it must not leave a timer alive for the rest of a 15-minute timeout.
 */
import type { Clock } from './clock.js';

export interface Deadline {
  /** When the limit passes, in the clock's epoch milliseconds. */
  readonly at: number;
  /** Aborts when the limit passes (reason: a `TimeoutError` DOMException) or when the parent aborts (its reason). */
  readonly signal: AbortSignal;
  /** Resolves when `signal` aborts, for racing. */
  readonly passed: Promise<void>;
  /** Clears the timer and the listener on the parent; the signal then never aborts by itself. */
  dispose(): void;
}

/** A limit `ms` from now on `clock`, that also ends when `parent` aborts. */
export function deadline(clock: Clock, ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const passed = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
  const cancelTimer = clock.setTimer(() => controller.abort(new DOMException('The deadline passed', 'TimeoutError')), ms);
  const onParent = (): void => controller.abort(parent!.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    at: clock.now() + ms,
    signal: controller.signal,
    passed,
    dispose() {
      cancelTimer();
      parent?.removeEventListener('abort', onParent);
    },
  };
}
