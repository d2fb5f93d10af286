/**
 * Concurrency accounting, as Lambda does it: an account-wide limit (default 1000), part
 * of which functions may reserve for themselves. A function with a reservation runs at
 * most that many invocations at once and never touches the rest; every other function
 * shares what is left (the unreserved pool). Over a limit, an invoke is refused with
 * `TooManyRequestsException` ("Rate Exceeded.") and a `Reason` that names the limit.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 *
 * Counting is synchronous: acquiring a lease is a check-and-set with no await in between,
 * so two concurrent invokes can never both take the last slot.
 */
import { TooManyRequestsException } from '../core/errors.js';

/** A held unit of concurrency. Release it exactly once; {@link CountingService.withLease} does. */
export interface Lease {
  readonly functionName: string;
  release(): void;
}

export interface CountingServiceOptions {
  /** Account concurrency limit (default 1000). */
  accountLimit?: number;
}

export interface ConcurrencyStats {
  accountLimit: number;
  /** Sum of all reservations. */
  reserved: number;
  /** In-flight invocations of functions without a reservation. */
  unreservedInFlight: number;
  /** In-flight invocations of every function. */
  inFlight: number;
}

export class CountingService {
  readonly accountLimit: number;
  private readonly reservations = new Map<string, number>();
  private reservedTotal = 0;
  private readonly inFlight = new Map<string, number>();
  private unreservedInFlight = 0;
  private totalInFlight = 0;

  constructor(options: CountingServiceOptions = {}) {
    this.accountLimit = options.accountLimit ?? 1000;
  }

  /**
   * Sets (or, with undefined, removes) a function's reserved concurrency. The control
   * plane calls this at start-up for every function that has one and on every change;
   * it has already checked that the unreserved pool keeps its minimum. Invocations in
   * flight keep running; the new limit applies to the next ones.
   */
  setReserved(functionName: string, reserved: number | undefined): void {
    const before = this.reservations.get(functionName);
    if (before !== undefined) this.reservedTotal -= before;
    if (reserved === undefined) this.reservations.delete(functionName);
    else {
      this.reservations.set(functionName, reserved);
      this.reservedTotal += reserved;
    }
    // In-flight invocations move between the shared and the reserved count with the setting.
    const running = this.inFlight.get(functionName) ?? 0;
    if (before === undefined && reserved !== undefined) this.unreservedInFlight -= running;
    if (before !== undefined && reserved === undefined) this.unreservedInFlight += running;
  }

  reservedConcurrency(functionName: string): number | undefined {
    return this.reservations.get(functionName);
  }

  /** Takes one unit of concurrency for `functionName`, or throws TooManyRequestsException. */
  acquire(functionName: string): Lease {
    const running = this.inFlight.get(functionName) ?? 0;
    const reserved = this.reservations.get(functionName);
    if (reserved !== undefined) {
      if (running >= reserved) throw new TooManyRequestsException('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
    } else {
      if (this.unreservedInFlight >= this.accountLimit - this.reservedTotal) {
        throw new TooManyRequestsException('Rate Exceeded.', 'ConcurrentInvocationLimitExceeded');
      }
      this.unreservedInFlight++;
    }
    this.inFlight.set(functionName, running + 1);
    this.totalInFlight++;
    let released = false;
    return {
      functionName,
      release: () => {
        if (released) return;
        released = true;
        this.releaseOne(functionName);
      },
    };
  }

  /** Runs `fn` holding a lease; the lease is released however `fn` ends. */
  async withLease<T>(functionName: string, fn: () => Promise<T>): Promise<T> {
    const lease = this.acquire(functionName);
    try {
      return await fn();
    } finally {
      lease.release();
    }
  }

  /** In-flight invocations of one function. */
  running(functionName: string): number {
    return this.inFlight.get(functionName) ?? 0;
  }

  stats(): ConcurrencyStats {
    return { accountLimit: this.accountLimit, reserved: this.reservedTotal, unreservedInFlight: this.unreservedInFlight, inFlight: this.totalInFlight };
  }

  private releaseOne(functionName: string): void {
    const running = (this.inFlight.get(functionName) ?? 1) - 1;
    if (running === 0) this.inFlight.delete(functionName);
    else this.inFlight.set(functionName, running);
    if (!this.reservations.has(functionName)) this.unreservedInFlight--;
    this.totalInFlight--;
  }
}
