import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

describe('LineSplitter', () => {
  it('reassembles lines and UTF-8 characters cut between chunks', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo\r\nwörld\n\npartial');
    for (const b of bytes) s.push(Buffer.from([b]));
    expect(lines).toEqual(['héllo', 'wörld', '']);
    s.flush();
    expect(lines).toEqual(['héllo', 'wörld', '', 'partial']);
  });

  it('cuts lines longer than the limit', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 4);
    s.push(Buffer.from('abcdefghij\nxy'));
    s.push(Buffer.from('zuvw'));
    expect(lines).toEqual(['abcd', 'efgh', 'ij', 'xyzu']);
  });
});
