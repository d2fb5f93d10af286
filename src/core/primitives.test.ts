import { describe, expect, it } from 'vitest';
import { Deferred, KeyedMutex, Mutex } from './primitives.js';

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
