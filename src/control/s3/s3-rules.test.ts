import { describe, expect, it } from 'vitest';
import type { ObjectRecord } from '../../core/model/buckets.js';
import { encodeEventKey, eventRecord } from './event-records.js';
import { matchingNotifications, validateNotifications, type NotificationInput } from './notification-rules.js';
import { byteRange, checkConditions } from './object-reads.js';
import { canonicalUserId } from '../../core/arn.js';

const input = (events: string[], rules: [string, string][] = [], id?: string): NotificationInput => ({ id, functionArn: 'f', events, filterRules: rules.map(([name, value]) => ({ name, value })) });
// The owner goes to both checks: the destination's account space answers for the owner's bucket.
const OWNER = '111111111111';
const BUCKET = { name: 'b', owner: OWNER };
const validate = (inputs: NotificationInput[]) => validateNotifications(BUCKET, inputs, { functionAccepts: (arn, bucket, owner) => arn === 'f' && bucket === 'b' && owner === OWNER, queueExists: (arn, owner) => arn.endsWith(':q') && owner === OWNER }, () => 'generated');
const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
};

describe('notification configurations', () => {
  it('refuses configurations that could both match an event, accepts disjoint ones', () => {
    expect(thrown(() => validate([input(['s3:ObjectCreated:*'], [['prefix', 'a/']], '1'), input(['s3:ObjectCreated:Put'], [['prefix', 'a/b']], '2')]))).toMatch(/overlap/);
    expect(thrown(() => validate([input(['s3:ObjectCreated:*'], [['suffix', '.csv']], '1'), input(['s3:ObjectCreated:*'], [['prefix', 'x/']], '2')]))).toMatch(/overlap/);
    expect(validate([input(['s3:ObjectCreated:*'], [['suffix', '.csv']], '1'), input(['s3:ObjectCreated:*'], [['suffix', '.txt']], '2')])).toHaveLength(2);
    expect(validate([input(['s3:ObjectCreated:*'], [], '1'), input(['s3:ObjectRemoved:*'], [], '2')])).toHaveLength(2);
  });

  it('refuses unknown events, rule names, repeated rules and missing functions', () => {
    expect(thrown(() => validate([input(['s3:Nope'])]))).toMatch(/not supported/);
    expect(thrown(() => validate([input(['s3:ObjectCreated:*'], [['middle', 'x']])]))).toMatch(/prefix or suffix/);
    expect(thrown(() => validate([input(['s3:ObjectCreated:*'], [['Prefix', 'a'], ['prefix', 'b']])]))).toMatch(/more than one prefix/);
    expect(thrown(() => validateNotifications(BUCKET, [input(['s3:ObjectCreated:*'])], { functionAccepts: () => false, queueExists: () => true }, () => 'x'))).toMatch(/Unable to validate/);
    expect(thrown(() => validate([{ ...input(['s3:ObjectCreated:*']), queueArn: 'arn:aws:sqs:us-east-1:000000000000:q' }]))).toMatch(/one destination/);
    expect(thrown(() => validate([{ ...input(['s3:ObjectCreated:*'], [], '1'), functionArn: undefined, queueArn: 'arn:aws:sqs:us-east-1:000000000000:q' }, input(['s3:ObjectCreated:Put'], [], '2')]))).toMatch(/overlap/);
    expect(validate([input(['s3:ObjectCreated:*'])])[0]!.id).toBe('generated');
  });

  it('matches event types (wildcards included), prefixes and suffixes', () => {
    const configs = validate([input(['s3:ObjectCreated:*'], [['prefix', 'in/'], ['suffix', '.csv']], 'a'), input(['s3:ObjectRemoved:Delete'], [], 'b')]);
    expect(matchingNotifications(configs, 'ObjectCreated:Put', 'in/x.csv').map((c) => c.id)).toEqual(['a']);
    expect(matchingNotifications(configs, 'ObjectCreated:CompleteMultipartUpload', 'in/x.csv').map((c) => c.id)).toEqual(['a']);
    expect(matchingNotifications(configs, 'ObjectCreated:Put', 'in/x.txt')).toEqual([]);
    expect(matchingNotifications(configs, 'ObjectRemoved:Delete', 'anything').map((c) => c.id)).toEqual(['b']);
    expect(matchingNotifications(configs, 'ObjectTagging:Put', 'in/x.csv')).toEqual([]);
  });
});

describe('event records', () => {
  it("encodes keys as S3 does: form encoding, '/' kept", () => {
    expect(encodeEventKey('dir/my file (1).csv')).toBe('dir/my+file+%281%29.csv');
    expect(encodeEventKey('caf\u00e9+=&?')).toBe('caf%C3%A9%2B%3D%26%3F');
  });

  it('has no size or eTag for a removal, an unquoted eTag otherwise, and the owner as requester and bucket owner', () => {
    const ctx = { eventName: 'ObjectCreated:Put', eventTime: 0, region: 'us-east-1', requestId: 'r', sourceIp: '127.0.0.1', sequencer: '00' };
    const config = { id: 'c', functionArn: 'f', events: [] };
    const created = eventRecord(config, { name: 'b', owner: '123456789012' }, { key: 'k', size: 3, etag: '"abc"' }, ctx, false) as { s3: { object: Record<string, unknown>; bucket: { ownerIdentity: unknown } }; eventTime: string; userIdentity: unknown };
    expect(created.s3.object).toEqual({ key: 'k', size: 3, eTag: 'abc', sequencer: '00' });
    expect(created.eventTime).toBe('1970-01-01T00:00:00.000Z');
    expect(created.userIdentity).toEqual({ principalId: 'AWS:123456789012' });
    expect(created.s3.bucket.ownerIdentity).toEqual({ principalId: canonicalUserId('123456789012') });
    expect(canonicalUserId('123456789012')).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalUserId('123456789012')).not.toBe(canonicalUserId('000000000000'));
    const removed = eventRecord(config, { name: 'b', owner: '123456789012' }, { key: 'k', size: 3, etag: '"abc"' }, ctx, true) as { s3: { object: Record<string, unknown> } };
    expect(removed.s3.object).toEqual({ key: 'k', sequencer: '00' });
  });
});

describe('reads', () => {
  it('parses ranges as S3 does', () => {
    expect(byteRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(byteRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(byteRange('bytes=-4', 10)).toEqual({ start: 6, end: 9 });
    expect(byteRange('bytes=-40', 10)).toEqual({ start: 0, end: 9 });
    expect(byteRange('bytes=3-100', 10)).toEqual({ start: 3, end: 9 });
    expect(byteRange('bytes=5-2', 10)).toBeUndefined();
    expect(byteRange('lines=1-2', 10)).toBeUndefined();
    expect(thrown(() => byteRange('bytes=10-', 10))).toMatch(/not satisfiable/);
  });

  it('applies If-Match before If-Unmodified-Since and If-None-Match before If-Modified-Since', () => {
    const object = { etag: '"e"', lastModified: Date.parse('2026-01-01T00:00:00Z') } as ObjectRecord;
    expect(() => checkConditions(object, { ifMatch: '"e"', ifUnmodifiedSince: 'Thu, 01 Jan 2015 00:00:00 GMT' })).not.toThrow();
    expect(thrown(() => checkConditions(object, { ifMatch: '"x"' }))).toMatch(/pre-conditions/);
    expect(thrown(() => checkConditions(object, { ifNoneMatch: '"e"' }))).toBe('Not Modified');
    expect(thrown(() => checkConditions(object, { ifModifiedSince: 'Thu, 01 Jan 2026 00:00:00 GMT' }))).toBe('Not Modified');
    expect(() => checkConditions(object, { ifNoneMatch: '"x"', ifModifiedSince: 'Fri, 02 Jan 2026 00:00:00 GMT' })).not.toThrow();
  });
});
