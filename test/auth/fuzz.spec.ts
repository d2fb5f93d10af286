/**
 * The HTTP surface with auth on, fuzzed: random methods, paths and queries of every API
 * (Lambda REST, EventBridge and SQS on `POST /`, S3 path-style and presigned, queue URLs,
 * Gust's own routes), with no signature, a malformed one, S3's SigV2, a well-formed SigV4
 * of an unknown key, of a wrong secret, or a presigned query of garbage. None may succeed
 * (only /health is public) and none may answer 5xx; then properly signed random requests
 * may succeed or fail, never with a 5xx, and the server still serves. Seeded: set
 * GUST_FUZZ_SEED to replay a failure.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/fuzz.js';
import { signRequest, startAuthGust, type AuthGust } from './support.js';

const SEED = Number(process.env.GUST_FUZZ_SEED ?? 20261204);
let g: AuthGust;
beforeAll(async () => {
  g = await startAuthGust();
});
afterAll(async () => g?.stop());

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'];
const PATHS = ['/', '/2015-03-31/functions', '/2015-03-31/functions/f', '/2015-03-31/functions/f/invocations', '/2017-10-31/functions/f/url', '/2015-03-31/event-source-mappings', '/gust/logs/f', '/gust/queues', '/gust/buckets', '/gust/schedules', '/000000000000/q', '/bucket', '/bucket/key', '/bucket/a%2Fb', '/%E0%A4%A', '/' + 'x'.repeat(600)];
const QUERIES = ['', '?Action=ListQueues', '?Action=CreateQueue&QueueName=x', '?tagging', '?uploads', '?list-type=2', '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAX%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=' + 'a'.repeat(64), '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=abc', '?AWSAccessKeyId=AKIAX&Signature=abc&Expires=1'];
const TARGETS = ['AWSEvents.ListRules', 'AWSEvents.PutRule', 'AmazonSQS.ListQueues', 'AmazonSQS.CreateQueue', 'Nope.Nope'];
const BODIES = ['', '{}', '{"Name":"r","ScheduleExpression":"rate(1 hour)"}', '{"QueueName":"fz"}', 'Action=CreateQueue&QueueName=fz', '<bad', 'x'.repeat(2000)];

function authorizations(r: () => number, now: Date): string[] {
  const date = now.toISOString().replace(/[-:]/g, '').slice(0, 8);
  const sig = Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  return [
    '',
    'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
    `AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNUNKNOWN00/${date}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig}`,
    `AWS4-HMAC-SHA256 Credential=${g.key.accessKeyId}/${date}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig}`,
    `AWS4-HMAC-SHA256 Credential=${g.key.accessKeyId}/${date}/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=${sig}`,
    'AWS AKIAX:c2lnbmF0dXJl',
    'Bearer token',
    'AWS4-HMAC-SHA256 garbage',
  ];
}

function send(method: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: g.t.gust.port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('fuzz with auth on', () => {
  it('1,500 unsigned or wrongly signed requests: none succeeds, none answers 5xx', async () => {
    const r = seededRandom(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
    for (let i = 0; i < 1500; i++) {
      const headers: Record<string, string> = {};
      const auth = pick(authorizations(r, new Date()));
      if (auth) headers.authorization = auth;
      if (r() < 0.7) headers['x-amz-date'] = new Date(Date.now() - Math.floor(r() * 40) * 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      if (r() < 0.3) headers['x-amz-target'] = pick(TARGETS);
      if (r() < 0.2) headers['x-amz-security-token'] = pick(['GustFn1.e30.abc', 'x', '']);
      if (r() < 0.2) headers['content-type'] = pick(['application/x-www-form-urlencoded', 'application/x-amz-json-1.1', 'application/json']);
      if (r() < 0.2) headers['x-amz-content-sha256'] = pick(['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'abc']);
      if (r() < 0.2) headers.host = pick(['s3.us-east-1.localhost', 'bucket.s3.us-east-1.localhost', 'sqs.us-east-1.localhost']);
      const method = pick(METHODS);
      const path = pick(PATHS) + pick(QUERIES);
      const status = await send(method, path, headers, method === 'GET' || method === 'HEAD' ? '' : pick(BODIES));
      const what = `${method} ${path} ${JSON.stringify(headers)} → ${status}`;
      expect(status < 500, what).toBe(true);
      expect(status >= 400, what).toBe(true);
    }
  }, 120_000);

  it('300 properly signed random requests never answer 5xx, and the server still serves', async () => {
    const r = seededRandom(SEED + 1);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
    for (let i = 0; i < 300; i++) {
      const method = pick(['GET', 'PUT', 'POST', 'DELETE']);
      const path = pick(PATHS.filter((p) => !p.includes('%')));
      const service = pick(['lambda', 'events', 'sqs', 's3']);
      const target = pick(TARGETS);
      const headers: Record<string, string> = service === 'events' || service === 'sqs' ? { 'x-amz-target': target, 'content-type': service === 'sqs' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1' } : {};
      const body = method === 'GET' ? undefined : pick(BODIES);
      const signed = await signRequest(g.t.url, g.key, { method, path, service, headers, ...(body === undefined ? {} : { body }) });
      const res = await fetch(signed.url, signed.init);
      await res.arrayBuffer();
      expect(res.status < 500 || res.status === 501, `${method} ${path} ${service} ${target} → ${res.status}`).toBe(true);
    }
    const ok = await signRequest(g.t.url, g.key, { method: 'GET', path: '/2015-03-31/functions', service: 'lambda' });
    expect((await fetch(ok.url, ok.init)).status).toBe(200);
  }, 120_000);
});
