import { describe, expect, it } from 'vitest';
import { TooManyRequestsException } from '../core/errors.js';
import { CountingService, ServerConcurrency } from './counting-service.js';

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect((err as TooManyRequestsException).message).toBe('Rate Exceeded.');
    return (err as TooManyRequestsException).fields.Reason as string;
  }
  return undefined;
}

describe('CountingService', () => {
  it('keeps every account within its own limit and all of them within the server’s', () => {
    const server = new ServerConcurrency(3);
    const a = new CountingService({ accountLimit: 2, server });
    const b = new CountingService({ accountLimit: 2, server });
    const first = a.acquire('f');
    a.acquire('f');
    expect(reason(() => a.acquire('f'))).toBe('ConcurrentInvocationLimitExceeded');
    b.acquire('g');
    // B is under its own limit, but the server is full.
    expect(reason(() => b.acquire('g'))).toBe('ConcurrentInvocationLimitExceeded');
    expect(b.running('g')).toBe(1);
    first.release();
    expect(() => b.acquire('g')).not.toThrow();
    // A refusal by a function's reservation takes nothing from the server.
    b.setReserved('h', 0);
    expect(reason(() => b.acquire('h'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(reason(() => a.acquire('f'))).toBe('ConcurrentInvocationLimitExceeded');
  });

  it('admits exactly the reserved concurrency of a function, then throttles with the reserved Reason', () => {
    const c = new CountingService({ accountLimit: 10 });
    c.setReserved('f', 2);
    const a = c.acquire('f');
    c.acquire('f');
    expect(reason(() => c.acquire('f'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    a.release();
    a.release(); // twice is harmless
    expect(() => c.acquire('f')).not.toThrow();
    expect(reason(() => c.acquire('f'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('reserved 0 throttles every invocation', () => {
    const c = new CountingService();
    c.setReserved('off', 0);
    expect(reason(() => c.acquire('off'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('unreserved functions share the account limit minus all reservations', () => {
    const c = new CountingService({ accountLimit: 5 });
    c.setReserved('r', 2);
    c.acquire('x');
    c.acquire('y');
    c.acquire('x');
    expect(reason(() => c.acquire('z'))).toBe('ConcurrentInvocationLimitExceeded');
    // The reservation stays available to its function.
    c.acquire('r');
    c.acquire('r');
    expect(c.stats()).toEqual({ accountLimit: 5, reserved: 2, provisioned: 0, unreservedInFlight: 3, inFlight: 5 });
  });

  it('moves in-flight invocations between pools when a reservation changes', () => {
    const c = new CountingService({ accountLimit: 4 });
    const l = c.acquire('f');
    c.setReserved('f', 1);
    expect(c.stats().unreservedInFlight).toBe(0);
    expect(reason(() => c.acquire('f'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    c.setReserved('f', undefined);
    expect(c.stats().unreservedInFlight).toBe(1);
    l.release();
    expect(c.stats()).toMatchObject({ unreservedInFlight: 0, inFlight: 0 });
  });

  it('takes provisioned concurrency out of the unreserved pool; invocations on it take nothing more', () => {
    const c = new CountingService({ accountLimit: 4 });
    c.setProvisioned('p', 2);
    const onProvisioned = [c.acquire('p', true), c.acquire('p', true)];
    c.acquire('x');
    c.acquire('p');
    expect(reason(() => c.acquire('y'))).toBe('ConcurrentInvocationLimitExceeded');
    expect(c.stats()).toMatchObject({ provisioned: 2, unreservedInFlight: 2, inFlight: 4 });
    expect(c.provisionedInFlight()).toBe(2);
    for (const l of onProvisioned) l.release();
    expect(c.stats()).toMatchObject({ unreservedInFlight: 2, inFlight: 2 });
    expect(c.provisionedInFlight()).toBe(0);
    // A reserved function's provisioned concurrency is part of its reservation.
    c.setReserved('p', 2);
    expect(c.stats()).toMatchObject({ reserved: 2, provisioned: 0, unreservedInFlight: 1 });
  });

  it('keeps the unreserved count right when a reservation changes under provisioned invocations', () => {
    const c = new CountingService({ accountLimit: 4 });
    c.setProvisioned('p', 1);
    const provisioned = c.acquire('p', true);
    const shared = c.acquire('p');
    c.setReserved('p', 3);
    expect(c.stats().unreservedInFlight).toBe(0);
    c.setReserved('p', undefined);
    expect(c.stats().unreservedInFlight).toBe(1);
    provisioned.release();
    shared.release();
    expect(c.stats()).toMatchObject({ unreservedInFlight: 0, inFlight: 0 });
  });

  it('withLease releases however the work ends', async () => {
    const c = new CountingService({ accountLimit: 1 });
    await expect(c.withLease('f', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(c.running('f')).toBe(0);
    await expect(c.withLease('f', async () => 7)).resolves.toBe(7);
    expect(c.stats().inFlight).toBe(0);
  });
});
