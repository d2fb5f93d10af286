import { describe, expect, it } from 'vitest';
import { LogTail } from './log-tail.js';

describe('LogTail', () => {
  it('returns every line with its newline while they fit', () => {
    const t = new LogTail(100);
    t.push('START');
    t.push('END');
    expect(t.text()).toBe('START\nEND\n');
  });

  it('returns exactly the last maxBytes bytes of a long log, with bounded memory', () => {
    const t = new LogTail(4096);
    for (let i = 0; i < 10_000; i++) t.push(`line ${i}`);
    const text = t.text();
    expect(Buffer.byteLength(text)).toBe(4096);
    expect(text.endsWith('line 9999\n')).toBe(true);
    expect((t as unknown as { lines: string[] }).lines.length).toBeLessThan(1000);
  });

  it('never cuts a UTF-8 character in half', () => {
    const t = new LogTail(10);
    t.push('ééééééééé');
    const text = t.text();
    expect(text).not.toContain('\uFFFD');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(10);
    expect(text.endsWith('é\n')).toBe(true);
  });
});
