import { describe, expect, it } from 'vitest';
import { continuedTraceId, newTraceIdHex } from './ids.js';
import { asXrayHeader, parseTraceHeader, traceRoot, xrayHeader } from './trace-context.js';

const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

describe('trace headers', () => {
  it('reads X-Ray headers in any field order, with or without a parent or a decision', () => {
    expect(parseTraceHeader(XRAY)).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', sampled: true });
    expect(parseTraceHeader('Sampled=0;Parent=53995C3F42CD8AD8;Root=1-5759E988-BD862E3FE1BE46A994272793;Lineage=a:1')).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', sampled: false });
    expect(parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?')).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793' });
  });

  it('reads W3C traceparents, their flags and future versions', () => {
    expect(parseTraceHeader('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(parseTraceHeader('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02-more')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: false });
  });

  it('refuses what names no trace: garbage, the all-zero ids, version ff', () => {
    for (const bad of ['', 'x', 'Root=1-xyz', 'Root=2-5759e988-bd862e3fe1be46a994272793', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`, 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']) {
      expect(parseTraceHeader(bad), bad).toBeUndefined();
    }
  });

  it('writes X-Ray headers, and turns either form into one (for AWSTraceHeader)', () => {
    expect(xrayHeader('5759e988bd862e3fe1be46a994272793', '53995c3f42cd8ad8', true)).toBe(XRAY);
    expect(asXrayHeader('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1');
    expect(asXrayHeader('Root=1-5759e988-bd862e3fe1be46a994272793')).toBe('Root=1-5759e988-bd862e3fe1be46a994272793');
    expect(asXrayHeader('nonsense')).toBeUndefined();
    expect(traceRoot('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
  });

  it('continues a caller\'s trace when Gust records none, and starts one when the header names none', () => {
    expect(continuedTraceId(XRAY, 0)).toBe(XRAY);
    expect(continuedTraceId('Root=1-5759e988-bd862e3fe1be46a994272793', 0)).toMatch(/^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16};Sampled=0$/);
    expect(continuedTraceId('junk', Date.UTC(2026, 0, 1))).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(newTraceIdHex(Date.UTC(2026, 0, 1)).slice(0, 8)).toBe(Math.floor(Date.UTC(2026, 0, 1) / 1000).toString(16));
  });
});
