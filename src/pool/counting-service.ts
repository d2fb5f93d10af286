/**
 * Concurrency accounting, as Lambda does it: an account-wide limit (default 1000), part
 * of which functions may reserve for themselves. A function with a reservation runs at
 * most that many invocations at once and never touches the rest; every other function
 * shares what is left (the unreserved pool). Over a limit, an invoke is refused with
 * `TooManyRequestsException` ("Rate Exceeded.") and a `Reason` that names the limit.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 *
 * Provisioned concurrency is claimed the same way: a function's provisioned environments
 * count against its reservation when it has one, and otherwise are taken out of the
 * unreserved pool, so an invocation served by one of them takes nothing from that pool.
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
  /** What the whole server allows, across every account's counting (see ServerConcurrency). */
  server?: ServerConcurrency;
}

/**
 * Concurrency the whole server allows, shared by every account's pool: each account has a
 * limit of its own, as on AWS, and all of them together stay within what the machine was
 * sized for (its descriptors, memory and cores), so that one account's load cannot make
 * Gust refuse another's invokes for want of file descriptors rather than by a limit.
 */
export class ServerConcurrency {
  private inFlight = 0;

  constructor(readonly limit: number) {}

  /** Takes one unit if the server has one left. */
  take(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.inFlight++;
    return true;
  }

  give(): void {
    this.inFlight--;
  }

  /** Units left now: the server's room, which a cluster node tells the others (invoke-routing.ts). */
  get free(): number {
    return this.limit - this.inFlight;
  }
}

export interface ConcurrencyStats {
  accountLimit: number;
  /** Sum of all reservations. */
  reserved: number;
  /** Provisioned concurrency of functions without a reservation (claimed from the unreserved pool). */
  provisioned: number;
  /** In-flight invocations of functions without a reservation. */
  unreservedInFlight: number;
  /** In-flight invocations of every function. */
  inFlight: number;
}

export class CountingService {
  readonly accountLimit: number;
  private readonly reservations = new Map<string, number>();
  private reservedTotal = 0;
  /** Provisioned concurrency per function. */
  private readonly provisioned = new Map<string, number>();
  /** In-flight invocations per function that run on its provisioned environments. */
  private readonly onProvisioned = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private unreservedInFlight = 0;
  private totalInFlight = 0;

  private readonly server: ServerConcurrency | undefined;

  constructor(options: CountingServiceOptions = {}) {
    this.accountLimit = options.accountLimit ?? 1000;
    this.server = options.server;
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
    const running = (this.inFlight.get(functionName) ?? 0) - (this.onProvisioned.get(functionName) ?? 0);
    if (before === undefined && reserved !== undefined) this.unreservedInFlight -= running;
    if (before !== undefined && reserved === undefined) this.unreservedInFlight += running;
  }

  /** Sets a function's provisioned concurrency (0 or undefined: none), kept ready by the pool. */
  setProvisioned(functionName: string, count: number | undefined): void {
    if (count === undefined || count === 0) this.provisioned.delete(functionName);
    else this.provisioned.set(functionName, count);
  }

  reservedConcurrency(functionName: string): number | undefined {
    return this.reservations.get(functionName);
  }

  /**
   * Takes one unit of concurrency for `functionName`, or throws TooManyRequestsException.
   * `onProvisioned`: the invocation runs on one of the function's provisioned environments,
   * which its own claim already covers.
   */
  acquire(functionName: string, onProvisioned = false): Lease {
    const running = this.inFlight.get(functionName) ?? 0;
    const reserved = this.reservations.get(functionName);
    const shared = reserved === undefined && !onProvisioned;
    if (reserved !== undefined) {
      if (running >= reserved) throw new TooManyRequestsException('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
    } else if (shared && this.unreservedInFlight >= this.unreservedLimit()) {
      throw new TooManyRequestsException('Rate Exceeded.', 'ConcurrentInvocationLimitExceeded');
    }
    // Last, so that a refusal above takes nothing from the server.
    if (this.server && !this.server.take()) throw new TooManyRequestsException('Rate Exceeded.', 'ConcurrentInvocationLimitExceeded');
    if (shared) this.unreservedInFlight++;
    if (onProvisioned) this.onProvisioned.set(functionName, (this.onProvisioned.get(functionName) ?? 0) + 1);
    this.inFlight.set(functionName, running + 1);
    this.totalInFlight++;
    let released = false;
    return {
      functionName,
      release: () => {
        if (released) return;
        released = true;
        this.releaseOne(functionName, onProvisioned);
      },
    };
  }

  /** Runs `fn` holding a lease; the lease is released however `fn` ends. */
  async withLease<T>(functionName: string, fn: () => Promise<T>, onProvisioned = false): Promise<T> {
    const lease = this.acquire(functionName, onProvisioned);
    try {
      return await fn();
    } finally {
      lease.release();
    }
  }

  /** The unreserved pool: the account limit less what functions reserved, and the provisioned concurrency of the others. */
  unreservedLimit(): number {
    return this.accountLimit - this.reservedTotal - this.provisionedOutsideReservations();
  }

  /** In-flight invocations of one function. */
  running(functionName: string): number {
    return this.inFlight.get(functionName) ?? 0;
  }

  /** In-flight invocations served by provisioned environments, over every function (read when metrics are scraped). */
  provisionedInFlight(): number {
    let sum = 0;
    for (const n of this.onProvisioned.values()) sum += n;
    return sum;
  }

  stats(): ConcurrencyStats {
    return {
      accountLimit: this.accountLimit,
      reserved: this.reservedTotal,
      provisioned: this.provisionedOutsideReservations(),
      unreservedInFlight: this.unreservedInFlight,
      inFlight: this.totalInFlight,
    };
  }

  private provisionedOutsideReservations(): number {
    let sum = 0;
    for (const [name, count] of this.provisioned) if (!this.reservations.has(name)) sum += count;
    return sum;
  }

  private releaseOne(functionName: string, onProvisioned: boolean): void {
    this.server?.give();
    const running = (this.inFlight.get(functionName) ?? 1) - 1;
    if (running === 0) this.inFlight.delete(functionName);
    else this.inFlight.set(functionName, running);
    if (onProvisioned) {
      const left = (this.onProvisioned.get(functionName) ?? 1) - 1;
      if (left === 0) this.onProvisioned.delete(functionName);
      else this.onProvisioned.set(functionName, left);
    } else if (!this.reservations.has(functionName)) {
      this.unreservedInFlight--;
    }
    this.totalInFlight--;
  }
}
