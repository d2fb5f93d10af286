import { describe, expect, it } from 'vitest';
import { renderTop } from './top.js';

describe('renderTop', () => {
  it('sorts by rate and shows per-second rates, counts and percentiles', () => {
    const frame = renderTop(
      [
        { function: 'slow', invocations: 6, errors: 0, throttles: 0, p50: 1500, p99: 2400, concurrency: 1 },
        { function: 'busy', invocations: 120, errors: 3, throttles: 2, p50: 4.2, p99: 31, concurrency: 4 },
        { function: 'idle', invocations: 0, errors: 0, throttles: 1, p50: null, p99: null, concurrency: 0 },
      ],
      new Date('2026-12-04T09:00:05Z'),
    );
    const lines = frame.split('\n');
    expect(lines[0]).toBe('gust top — 09:00:05 UTC, last 60 s');
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      ['busy', '2.00', '3', '2', '4.20 ms', '31 ms', '4'],
      ['slow', '0.10', '0', '0', '1.50 s', '2.40 s', '1'],
      ['idle', '0.00', '0', '1', '-', '-', '0'],
    ]);
  });

  it('says when nothing ran', () => {
    expect(renderTop([], new Date(0))).toMatch(/no invocations in the last minute/);
  });
});
