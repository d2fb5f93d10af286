/** The async queue's small parts: the retry policy, the event state machine, invocation records. */
import { describe, expect, it } from 'vitest';
import { EventStateError, eventLifecycle } from './event-state.js';
import { invocationRecord, recordBytes } from './invocation-record.js';
import { AWS_RETRY_TIMINGS, functionErrorDelay, isExpired, throttleDelay } from './retry-policy.js';

describe('retry policy', () => {
  it("waits one and two minutes after function errors, as AWS documents", () => {
    expect([1, 2].map((n) => functionErrorDelay(n, AWS_RETRY_TIMINGS))).toEqual([60_000, 120_000]);
  });

  it('backs off exponentially from 1 s to at most 5 minutes after throttles', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map((n) => throttleDelay(n, AWS_RETRY_TIMINGS))).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
  });

  it('expires an event once it is older than its maximum age', () => {
    expect(isExpired(0, 60, 60_000)).toBe(false);
    expect(isExpired(0, 60, 60_001)).toBe(true);
  });
});

describe('event state machine', () => {
  it('allows the documented transitions and refuses others, naming the current state', () => {
    const e = eventLifecycle('queued');
    e.transition('in-flight');
    e.transition('retrying');
    e.transition('queued');
    e.transition('done');
    expect(() => e.transition('queued')).toThrow(new EventStateError('done', 'queued'));
    expect(() => eventLifecycle('queued').transition('retrying')).toThrow('An async event in state queued cannot become retrying');
  });
});

describe('invocation record', () => {
  const base = { requestId: 'r', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', payload: Buffer.from('{"a":1}'), now: Date.UTC(2026, 0, 1) };

  it("has AWS's shape, and leaves the response out when the function never ran", () => {
    expect(invocationRecord({ ...base, condition: 'RetriesExhausted', approximateInvokeCount: 0 })).toEqual({
      version: '1.0',
      timestamp: '2026-01-01T00:00:00.000Z',
      requestContext: { requestId: 'r', functionArn: base.functionArn, condition: 'RetriesExhausted', approximateInvokeCount: 0 },
      requestPayload: { a: 1 },
    });
    const withText = invocationRecord({ ...base, condition: 'Success', approximateInvokeCount: 1, response: { statusCode: 200, executedVersion: '3', payload: Buffer.from('not json') } });
    expect(withText.responseContext).toEqual({ statusCode: 200, executedVersion: '3' });
    expect(withText.responsePayload).toBe('not json');
  });

  it('drops payloads from a record that would exceed the async limit', () => {
    const big = Buffer.from(JSON.stringify({ s: 'x'.repeat(2000) }));
    const record = invocationRecord({ ...base, payload: big, condition: 'Success', approximateInvokeCount: 1, response: { statusCode: 200, executedVersion: '$LATEST', payload: big } });
    expect(JSON.parse(recordBytes(record, 3000).toString())).not.toHaveProperty('responsePayload');
    expect(JSON.parse(recordBytes(record, 3000).toString())).toHaveProperty('requestPayload');
    expect(JSON.parse(recordBytes(record, 1000).toString())).toEqual({ version: '1.0', timestamp: record.timestamp, requestContext: record.requestContext, responseContext: record.responseContext });
  });
});
