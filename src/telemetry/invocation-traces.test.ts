import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvocationTraces } from './invocation-traces.js';
import type { SamplerSettings } from './tracing-settings.js';

const open: InvocationTraces[] = [];
const traces = (sampler: SamplerSettings) => {
  const t = new InvocationTraces({ settings: { url: 'http://127.0.0.1:9/v1/traces', headers: {}, serviceName: 'gust', sampler, scheduledDelayMs: 5000 }, region: 'us-east-1', reportExportFailure: () => undefined });
  open.push(t);
  return t;
};
const CALLER = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('InvocationTraces.traceHeader', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.shutdown()));
  });

  it('starts a dated trace with a new span id, sampled by default', () => {
    const now = Date.UTC(2026, 0, 1);
    const header = traces({ ratio: 1, parentBased: true }).traceHeader(now, undefined);
    expect(header).toMatch(new RegExp(`^Root=1-${(now / 1000).toString(16)}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$`));
  });

  it('continues the caller\'s trace under a span of its own, and follows its decision when parent-based', () => {
    const t = traces({ ratio: 1, parentBased: true });
    expect(t.traceHeader(0, `00-${CALLER}-00f067aa0ba902b7-01`)).toMatch(/^Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=(?!00f067aa0ba902b7)[0-9a-f]{16};Sampled=1$/);
    expect(t.traceHeader(0, `00-${CALLER}-00f067aa0ba902b7-00`)).toMatch(/;Sampled=0$/);
    expect(traces({ ratio: 1, parentBased: false }).traceHeader(0, `00-${CALLER}-00f067aa0ba902b7-00`)).toMatch(/;Sampled=1$/);
  });

  it('samples new traces by their ratio', () => {
    expect(traces({ ratio: 0, parentBased: true }).traceHeader(0, undefined)).toMatch(/;Sampled=0$/);
    const half = traces({ ratio: 0.5, parentBased: false });
    const sampled = Array.from({ length: 2000 }, () => half.traceHeader(0, undefined).endsWith('Sampled=1')).filter(Boolean).length;
    expect(sampled).toBeGreaterThan(850);
    expect(sampled).toBeLessThan(1150);
  });
});

describe('InvocationTraces exports', () => {
  it('reports a failed export, once however many batches fail', async () => {
    const refusing = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const failures: Error[] = [];
    const t = new InvocationTraces({
      settings: { url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1/traces`, headers: {}, serviceName: 'gust', sampler: { ratio: 1, parentBased: true }, scheduledDelayMs: 10 },
      region: 'us-east-1',
      reportExportFailure: (err) => failures.push(err),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const now = Date.now();
        t.finished({ accountId: '000000000000', functionName: 'f', executedVersion: '$LATEST', trigger: 'api', requestId: `r${i}`, traceId: t.traceHeader(now, undefined), startedAt: now - 5, endedAt: now });
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(failures).toHaveLength(1);
    } finally {
      await t.shutdown();
      refusing.close();
    }
  });
});
