/**
 * Time limits on a Clock: an invocation's timeout (`timeLimit`: one timer and a callback),
 * a runtime's init limit (`deadline`: an AbortSignal, and a promise to race, that also end
 * with a parent signal). A limit that ends early is disposed: it must not leave a timer
 * alive for the rest of a 15-minute timeout.
 */
import type { Clock } from './clock.js';

export interface TimeLimit {
  /** When the limit passes, in the clock's epoch milliseconds. */
  readonly at: number;
  /** Clears the timer; the limit then never passes. */
  dispose(): void;
}

/**
 * A limit `ms` from now on `clock` that calls `onPass` when it passes: one timer, without
 * an AbortController or a promise, for the warm invoke path, where a signal's controller,
 * listeners and DOMException cost more than the rest of the limit.
 */
export function timeLimit(clock: Clock, ms: number, onPass: () => void): TimeLimit {
  return { at: clock.now() + ms, dispose: clock.setTimer(onPass, ms) };
}

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
