/**
 * Counters of the async queue, per function and in total: a small object that `gust
 * events` reads today and a metrics exporter (Prometheus) can read later. Gauges (queue
 * depth, in flight, oldest event age) are not kept here: the queue computes them from its
 * lanes when asked (AsyncQueue.functionStats).
 */

export interface AsyncCounters {
  /** Events accepted (202) or handed over by a destination. */
  enqueued: number;
  /** Events whose function succeeded. */
  succeeded: number;
  /** Invocations that ended in a function error (code error, timeout, crash). */
  functionErrors: number;
  /** Retries scheduled after function errors. */
  retries: number;
  /** Times an event or a function's lane waited for concurrency (429). */
  throttles: number;
  /** Invocations that failed inside Gust rather than in the function; retried with backoff. */
  platformErrors: number;
  /** Events that failed for good: retries exhausted or too old. */
  failed: number;
  /** Of those, the ones that grew older than their maximum age. */
  expired: number;
  /** Failed events sent to a dead-letter target. */
  deadLettered: number;
  /** Events dropped without an outcome to report: their function was deleted, or a destination loop was cut. */
  dropped: number;
  /** Invocation records and dead letters handed to their targets. */
  destinationDeliveries: number;
  /** Deliveries that failed (the target function is gone): AWS's DestinationDeliveryFailures. */
  destinationFailures: number;
}

export type AsyncCounter = keyof AsyncCounters;

function zero(): AsyncCounters {
  return {
    enqueued: 0,
    succeeded: 0,
    functionErrors: 0,
    retries: 0,
    throttles: 0,
    platformErrors: 0,
    failed: 0,
    expired: 0,
    deadLettered: 0,
    dropped: 0,
    destinationDeliveries: 0,
    destinationFailures: 0,
  };
}

export class AsyncMetrics {
  private readonly perFunction = new Map<string, AsyncCounters>();
  private readonly all = zero();

  inc(functionName: string, counter: AsyncCounter, by = 1): void {
    let c = this.perFunction.get(functionName);
    if (!c) this.perFunction.set(functionName, (c = zero()));
    c[counter] += by;
    this.all[counter] += by;
  }

  /** A copy of one function's counters (zeros when it has none). */
  counters(functionName: string): AsyncCounters {
    return { ...(this.perFunction.get(functionName) ?? zero()) };
  }

  /** A copy of the totals over every function, deleted ones included. */
  totals(): AsyncCounters {
    return { ...this.all };
  }

  functionNames(): string[] {
    return [...this.perFunction.keys()].sort();
  }

  /** Forgets a deleted function's counters (the totals keep them). */
  forget(functionName: string): void {
    this.perFunction.delete(functionName);
  }
}
