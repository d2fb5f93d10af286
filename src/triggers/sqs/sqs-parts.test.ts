/** The pollers' small parts: batch responses, record filters, scaling decisions. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { batchOutcome } from './batch-response.js';
import { recordFilter } from './record-filter.js';
import { Scaling } from './scaling.js';
import type { SqsRecord } from './sqs-event.js';

const ids = new Set(['a', 'b', 'c']);
const answer = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('batch responses (ReportBatchItemFailures)', () => {
  it('takes no answer, null, an empty or missing or null list as complete success', () => {
    for (const a of ['', 'null', '{}', '"done"', { batchItemFailures: [] }, { batchItemFailures: null }, { other: 1 }]) {
      expect(batchOutcome(answer(a), ids)).toEqual({ kind: 'succeeded' });
    }
  });

  it('fails exactly the listed items', () => {
    expect(batchOutcome(answer({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }] }), ids)).toEqual({ kind: 'items-failed', failed: new Set(['b', 'c']) });
  });

  it('fails the whole batch on an answer it cannot trust', () => {
    for (const a of ['{not json', { batchItemFailures: 'b' }, { batchItemFailures: [{ itemIdentifier: '' }] }, { batchItemFailures: [{ itemIdentifier: null }] }, { batchItemFailures: [{ itemId: 'b' }] }, { batchItemFailures: [{ itemIdentifier: 'zzz' }] }, { batchItemFailures: [{ itemIdentifier: 7 }] }]) {
      expect(batchOutcome(answer(a), ids).kind).toBe('batch-failed');
    }
  });
});

function record(body: string, attributes: Record<string, string> = {}): SqsRecord {
  return { messageId: 'm', receiptHandle: 'r', body, attributes, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1' };
}

describe('record filters', () => {
  it('matches JSON bodies field by field, and plain bodies as strings', () => {
    const filter = recordFilter(['{"body":{"kind":["order"],"amount":[{"numeric":[">",10]}]}}', '{"body":["ping"]}']);
    expect(filter(record('{"kind":"order","amount":11}'))).toBe(true);
    expect(filter(record('{"kind":"order","amount":5}'))).toBe(false);
    expect(filter(record('ping'))).toBe(true);
    expect(filter(record('pong'))).toBe(false);
    expect(filter(record('{"kind":'))).toBe(false);
  });

  it('matches system attributes, and lets everything through without patterns', () => {
    expect(recordFilter(['{"attributes":{"MessageGroupId":["g1"]}}'])(record('x', { MessageGroupId: 'g1' }))).toBe(true);
    expect(recordFilter(undefined)(record('anything'))).toBe(true);
  });
});

describe('scaling', () => {
  it('starts at five, adds at most five a second up to the cap, and retires idle pollers down to five', () => {
    const clock = new ManualClock();
    const scaling = new Scaling(12, clock);
    expect(scaling.base()).toBe(5);
    expect(scaling.grow(5)).toBe(5);
    expect(scaling.grow(10)).toBe(0);
    clock.advance(1_000);
    expect(scaling.grow(10)).toBe(2);
    clock.advance(1_000);
    expect(scaling.grow(12)).toBe(0);
    expect(scaling.shouldRetire(12, false)).toBe(false);
    expect(scaling.shouldRetire(12, true)).toBe(true);
    expect(scaling.shouldRetire(5, true)).toBe(false);
  });

  it('follows a lowered cap, below five too', () => {
    const scaling = new Scaling(1000, new ManualClock());
    scaling.setCap(2);
    expect(scaling.base()).toBe(2);
    expect(scaling.shouldRetire(3, false)).toBe(true);
    expect(scaling.grow(2)).toBe(0);
  });
});
