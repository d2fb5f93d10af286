import { describe, expect, it } from 'vitest';
import { Deferred, KeyedMutex, Mutex, Semaphore } from './primitives.js';

describe('Deferred', () => {
  it('resolves from outside and records that it settled', async () => {
    const d = new Deferred<number>();
    expect(d.settled).toBe(false);
    d.resolve(4);
    await expect(d.promise).resolves.toBe(4);
    expect(d.settled).toBe(true);
  });
});

describe('Mutex', () => {
  it('runs critical sections one after another, even when one throws', async () => {
    const m = new Mutex();
    const order: string[] = [];
    const slow = m.run(async () => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 10));
      order.push('a-end');
      throw new Error('boom');
    });
    const fast = m.run(() => {
      order.push('b');
    });
    await expect(slow).rejects.toThrow('boom');
    await fast;
    expect(order).toEqual(['a-start', 'a-end', 'b']);
  });
});

describe('KeyedMutex', () => {
  it('serialises per key and lets other keys run', async () => {
    const km = new KeyedMutex();
    const order: string[] = [];
    const gate = new Deferred<void>();
    const a1 = km.run('a', async () => {
      order.push('a1');
      await gate.promise;
    });
    const a2 = km.run('a', () => {
      order.push('a2');
    });
    await km.run('b', () => {
      order.push('b');
    });
    expect(order).toEqual(['a1', 'b']);
    gate.resolve();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['a1', 'b', 'a2']);
  });
});

describe('Semaphore', () => {
  it('lets `permits` holders in, queues the rest in order, and skips waiters that gave up', async () => {
    const s = new Semaphore(2);
    expect(s.tryAcquire()).toBe(true);
    await s.acquire();
    expect(s.tryAcquire()).toBe(false);
    const order: string[] = [];
    const gaveUp = new AbortController();
    const a = s.acquire().then(() => order.push('a'));
    const b = s.acquire(gaveUp.signal).then(() => order.push('b'), () => order.push('b gave up'));
    const c = s.acquire().then(() => order.push('c'));
    expect(s.waiting).toBe(3);
    gaveUp.abort(new Error('gone'));
    await b;
    expect(s.waiting).toBe(2);
    s.release();
    await a;
    s.release();
    await c;
    expect(order).toEqual(['b gave up', 'a', 'c']);
    s.release();
    s.release();
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(false);
  });
});
