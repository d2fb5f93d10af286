import { describe, expect, it } from 'vitest';
import { MinHeap } from './min-heap.js';

describe('MinHeap', () => {
  it('pops in key order, ties in insertion order', () => {
    const heap = new MinHeap<string>();
    const keys = [5, 3, 9, 3, 1, 7, 5, 0, 8, 2];
    keys.forEach((k, i) => heap.push(k, `${k}:${i}`));
    expect(heap.size).toBe(10);
    expect(heap.peekKey()).toBe(0);
    const out: string[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) out.push(item.value);
    expect(out).toEqual(['0:7', '1:4', '2:9', '3:1', '3:3', '5:0', '5:6', '7:5', '8:8', '9:2']);
    expect(heap.pop()).toBeUndefined();
  });

  it('stays ordered under interleaved pushes and pops', () => {
    const heap = new MinHeap<number>();
    const popped: number[] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      heap.push(x % 1000, i);
      if (i % 3 === 0) popped.push(heap.pop()!.key);
    }
    const rest: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) rest.push(item.key);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
    heap.push(1, 1);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(popped.length).toBe(667);
  });
});
