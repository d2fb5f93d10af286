/**
 * The S3 surface under random requests: methods, paths (buckets, keys, subresources,
 * malformed percent-encodings), S3's headers with wrong values (ranges, digests, checksums,
 * copy sources, aws-chunked bodies that lie about their chunks) and random bodies. Only
 * S3's own answers may come back (2xx, 3xx, 4xx, a 501 for what Gust does not serve),
 * never a 500, and the server keeps serving.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/fuzz.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { S3_HEADERS } from './support.js';
import { startAuthGust, type AuthGust } from '../auth/support.js';

let t: TestGust;
let authOn: AuthGust | undefined;

beforeAll(async () => {
  t = await startTestGust();
  await fetch(`${t.url}/fuzz`, { method: 'PUT', headers: S3_HEADERS });
  await fetch(`${t.url}/fuzz/k`, { method: 'PUT', headers: S3_HEADERS, body: 'hello' });
});

afterAll(async () => {
  await t?.stop();
  await authOn?.stop();
});

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const PATHS = ['/', '/fuzz', '/fuzz/', '/fuzz/k', '/fuzz/a%2Fb', '/fuzz/%E0%A4%A', '/nobucket/x', '/Bad_Bucket', '/fuzz/' + 'k'.repeat(1100), '/xx'];
const QUERIES = ['', '?tagging', '?uploads', '?uploadId=nope&partNumber=1', '?uploadId=nope', '?list-type=2&max-keys=abc', '?list-type=2&continuation-token=%%%', '?delete', '?notification', '?acl', '?location', '?partNumber=99999&uploadId=x', '?list-type=2&encoding-type=xml'];
const HEADERS: [string, string[]][] = [
  ['range', ['bytes=0-1', 'bytes=9-', 'bytes=-0', 'bytes=5-2', 'lines=1-2', 'bytes=abc']],
  ['content-md5', ['x', 'AAAAAAAAAAAAAAAAAAAAAA==', '']],
  ['x-amz-checksum-crc32', ['AAAAAA==', 'nonsense']],
  ['x-amz-copy-source', ['/fuzz/k', 'fuzz', '/nobucket/k', '%%']],
  ['if-match', ['"x"', '*']],
  ['if-modified-since', ['yesterday', 'Wed, 21 Oct 2015 07:28:00 GMT']],
  ['content-encoding', ['aws-chunked', 'gzip']],
  ['x-amz-content-sha256', ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'UNSIGNED-PAYLOAD']],
  ['x-amz-tagging', ['a=b', '%%%']],
];
const BODIES = ['', 'hello', '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>', '<Delete><Object><Key>k</Key></Object></Delete>', '<bad', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\nhello\r\n', '3\r\nhello\r\n0\r\n\r\n', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>', '<NotificationConfiguration><CloudFunctionConfiguration><Event>s3:Nope</Event></CloudFunctionConfiguration></NotificationConfiguration>'];

function send(method: string, path: string, headers: Record<string, string>, body: string, port = t.gust.port): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...S3_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The seeded requests (the fake SigV4 header of S3_HEADERS is added when sent). */
function* requests(): Generator<{ method: string; path: string; headers: Record<string, string>; body: string }> {
  const r = seededRandom(16);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  for (let i = 0; i < 2000; i++) {
    const headers: Record<string, string> = {};
    for (const [name, values] of HEADERS) if (r() < 0.25) headers[name] = pick(values);
    const method = pick(METHODS);
    const path = pick(PATHS) + pick(QUERIES);
    yield { method, path, headers, body: method === 'GET' || method === 'HEAD' ? '' : pick(BODIES) };
  }
}

describe('S3 fuzz', () => {
  it('with auth on, the same requests (their signature a fake): none succeeds, none answers 5xx', async () => {
    authOn = await startAuthGust();
    for (const { method, path, headers, body } of requests()) {
      const status = await send(method, path, headers, body, authOn.t.gust.port);
      expect(status >= 400 && status < 500, `${method} ${path} ${JSON.stringify(headers)} → ${status}`).toBe(true);
    }
  }, 60_000);

  it('answers 2,000 random requests with S3 statuses only, and keeps serving', async () => {
    const seen = new Map<number, number>();
    for (const { method, path, headers, body } of requests()) {
      const status = await send(method, path, headers, body);
      seen.set(status, (seen.get(status) ?? 0) + 1);
      expect(status < 500 || status === 501, `${method} ${path} ${JSON.stringify(headers)} → ${status}`).toBe(true);
    }
    expect((await fetch(`${t.url}/fuzz/after`, { method: 'PUT', headers: S3_HEADERS, body: 'still here' })).status).toBe(200);
    expect(await (await fetch(`${t.url}/fuzz/after`, { headers: S3_HEADERS })).text()).toBe('still here');
  }, 60_000);
});
