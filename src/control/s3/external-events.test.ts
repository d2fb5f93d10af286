import { describe, expect, it } from 'vitest';
import { InvalidArgument } from '../../core/s3-errors.js';
import { readExternalEvents } from './external-events.js';

const record = (over: Record<string, unknown>, object: Record<string, unknown> = {}) => ({
  eventSource: 'minio:s3',
  eventName: 's3:ObjectCreated:Put',
  s3: { bucket: { name: 'b' }, object: { key: 'k', ...object } },
  ...over,
});

describe('readExternalEvents', () => {
  it('drops the port of the source address, IPv6 included, and keeps an address without one', () => {
    const ips = ['[::1]:9000', '10.0.0.1:80', '10.0.0.2', ''].map((ip) => readExternalEvents({ Records: [record({ requestParameters: { sourceIPAddress: ip } })] }, 0)[0]!.sourceIp);
    expect(ips).toEqual(['::1', '10.0.0.1', '10.0.0.2', '']);
  });

  it('decodes form-encoded keys, keeps a key that is not valid encoding, and keeps Ceph keys as they are', () => {
    const keys = [record({}, { key: 'a+b%2Bc' }), record({}, { key: '100%' }), record({ eventSource: 'ceph:s3' }, { key: 'a+b%2B' })];
    expect(readExternalEvents({ Records: keys }, 0).map((e) => e.key)).toEqual(['a b+c', '100%', 'a+b%2B']);
  });

  it('takes a size given as a string, the time given or now, and only a hex sequencer', () => {
    const [e] = readExternalEvents({ Records: [record({ eventTime: 'yesterday' }, { size: '42', sequencer: 'not-hex', eTag: '"abc"' })] }, 1234);
    expect(e).toEqual({ bucket: 'b', key: 'k', eventName: 'ObjectCreated:Put', size: 42, etag: 'abc', eventTime: 1234, sourceIp: '', requestId: '' });
  });

  it('leaves out kinds S3 does not notify and refuses records without a bucket or key', () => {
    expect(readExternalEvents({ Records: [record({ eventName: 's3:ObjectAccessed:Get' })] }, 0)).toEqual([]);
    expect(() => readExternalEvents({ Records: [{ eventName: 'ObjectCreated:Put' }] }, 0)).toThrow(InvalidArgument);
    expect(() => readExternalEvents([], 0)).toThrow(InvalidArgument);
  });
});
