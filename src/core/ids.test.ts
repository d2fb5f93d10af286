import { describe, expect, it } from 'vitest';
import { newRequestId, newTraceId } from './ids.js';

describe('ids', () => {
  it('makes request ids as Lambda does: v4 UUIDs', () => {
    expect(newRequestId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("makes X-Ray trace headers with the time's epoch seconds in the root, unsampled, new each time", () => {
    const at = Date.UTC(2026, 0, 1, 0, 0, 7, 999);
    const trace = newTraceId(at);
    expect(trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(parseInt(trace.slice('Root=1-'.length, 'Root=1-'.length + 8), 16)).toBe(Math.floor(at / 1000));
    expect(newTraceId(at)).not.toBe(trace);
    // Every hex digit of root and parent varies (none is a UUID's fixed version or variant digit).
    const traces = Array.from({ length: 200 }, () => newTraceId(at).replace(/^Root=1-[0-9a-f]{8}-/, '').replace(';Parent=', '').replace(';Sampled=0', ''));
    for (let i = 0; i < 40; i++) expect(new Set(traces.map((t) => t[i])).size, `digit ${i}`).toBeGreaterThan(4);
  });
});
