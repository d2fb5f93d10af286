/**
 * Whether the pool has concurrency for one more invocation of a function, read from the
 * pool's CountingService without taking a lease. The async queue asks before it starts an
 * invocation, so that events wait in the queue while a function is at its limit instead
 * of being thrown at the pool to bounce off with 429s. The answer can be stale by the time
 * the invocation runs (a synchronous invoke may take the last slot); the pool's lease is
 * still the authority, and its TooManyRequestsException is handled as a throttle.
 */
import type { CountingService } from '../../pool/counting-service.js';

export interface Capacity {
  /** The function's reserved concurrency, undefined when it has none. */
  reserved(functionName: string): number | undefined;
  /** Whether one more invocation of the function would get a lease now. */
  hasRoom(functionName: string): boolean;
}

export function poolCapacity(counting: CountingService): Capacity {
  return {
    reserved: (functionName) => counting.reservedConcurrency(functionName),
    hasRoom(functionName) {
      const reserved = counting.reservedConcurrency(functionName);
      if (reserved !== undefined) return counting.running(functionName) < reserved;
      const s = counting.stats();
      return s.unreservedInFlight < s.accountLimit - s.reserved - s.provisioned;
    },
  };
}
