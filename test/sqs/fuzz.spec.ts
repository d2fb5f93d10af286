/**
 * Fuzzing the SQS API in both protocols: random operations (known and unknown), random
 * members of every JSON type, random query parameters, garbage bodies and queue paths,
 * from a fixed seed. Only 2xx and 4xx may come back, always in the protocol's error shape
 * (`__type` and `x-amzn-query-error`, or `<ErrorResponse>`); never a 500 or a dropped
 * connection. The server must still answer normally afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ACCOUNT } from './support.js';
import { randomJson, seededRandom, type JsonVocabulary } from '../helpers/fuzz.js';
import { startAuthGust, type AuthGust } from '../auth/support.js';

const SEED = 20261203;
const REQUESTS = 1200;

const OPERATIONS = [
  'CreateQueue', 'GetQueueUrl', 'ListQueues', 'DeleteQueue', 'GetQueueAttributes', 'SetQueueAttributes', 'PurgeQueue', 'TagQueue', 'UntagQueue', 'ListQueueTags',
  'ListDeadLetterSourceQueues', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch', 'AddPermission', 'Nope', '',
];
const MEMBERS = [
  'QueueName', 'QueueUrl', 'Attributes', 'tags', 'Tags', 'TagKeys', 'AttributeNames', 'MessageBody', 'DelaySeconds', 'MessageAttributes', 'MessageSystemAttributes',
  'MessageGroupId', 'MessageDeduplicationId', 'MaxNumberOfMessages', 'WaitTimeSeconds', 'VisibilityTimeout', 'ReceiptHandle', 'Entries', 'MaxResults', 'NextToken',
  'QueueNamePrefix', 'MessageAttributeNames', 'ReceiveRequestAttemptId',
];
const STRINGS = [
  'fz', 'fz.fifo', '', 'x'.repeat(300), `http://h/${ACCOUNT}/fz`, `http://h/${ACCOUNT}/fz.fifo`, `/123456789012/fz`, 'not a url', 'All', 'VisibilityTimeout', '0', '-1', '43201',
  'true', '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:fz","maxReceiveCount":"0"}', '{', 'Z3VzdDEKZnoKMQox', 'AQEB', '\u0000', '\uD800', 'g', '.*',
  'String', 'Binary', 'Number', 'AAEC', '%%%',
];

const WORDS: JsonVocabulary = {
  strings: STRINGS,
  numbers: [0, -1, 1.5, 11, 1e308, 21],
  keys: ['Id', 'MessageBody', 'ReceiptHandle', 'VisibilityTimeout', 'DataType', 'StringValue', 'BinaryValue', 'a'],
  maxArrayLength: 12,
};
const value = (r: () => number): unknown => randomJson(r, WORDS);

let t: TestGust;
let authOn: AuthGust | undefined;
beforeAll(async () => {
  t = await startTestGust();
});
afterAll(async () => {
  await t.stop();
  await authOn?.stop();
});

/** The seeded requests, in either protocol. */
function* requests(): Generator<{ op: string; json: boolean; path: string; init: RequestInit }> {
  const r = seededRandom(SEED);
  for (let i = 0; i < REQUESTS; i++) {
    const op = OPERATIONS[Math.floor(r() * OPERATIONS.length)]!;
    const json = r() < 0.5;
    const path = r() < 0.2 ? `/${ACCOUNT}/${['fz', 'fz.fifo', 'nope', 'x'.repeat(90), 'a%20b'][Math.floor(r() * 5)]}` : '/';
    let init: RequestInit;
    if (json) {
      const body = r() < 0.05 ? ['', 'not json', '[1]', '"s"', '{"QueueUrl":'][Math.floor(r() * 5)]! : JSON.stringify(Object.fromEntries(MEMBERS.filter(() => r() < 0.3).map((m) => [m, value(r)])));
      init = { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` }, body };
    } else {
      const params = new URLSearchParams(op === '' ? {} : { Action: op });
      for (const m of MEMBERS.filter(() => r() < 0.3)) {
        const v = value(r);
        const key = r() < 0.3 ? `${m}.${Math.floor(r() * 3)}.${['Name', 'Value', 'Key', 'Id', 'Value.StringValue', 'Value.DataType'][Math.floor(r() * 6)]}` : m;
        params.append(key, typeof v === 'string' ? v : JSON.stringify(v));
      }
      init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: r() < 0.05 ? '%%%&&==' : params.toString() };
    }
    yield { op, json, path, init };
  }
}

describe('fuzzing the SQS API', () => {
  it(`answers ${REQUESTS} random requests in both protocols with 2xx or 4xx in the protocol's shape (seed ${SEED})`, async () => {
    const statuses = new Map<number, number>();
    // Queues the requests can find, of both types.
    await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=CreateQueue&QueueName=fz' });
    for (const { op, json, path, init } of requests()) {
      const res = await fetch(`${t.url}${path}`, init);
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `${json ? 'json' : 'query'} ${op} ${path} ${String(init.body).slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
      expect(res.status, where).toBeLessThan(500);
      if (res.status >= 400) {
        if (json) {
          expect(res.headers.get('x-amzn-query-error'), where).toMatch(/^[A-Za-z.]+;(Sender|Receiver)$/);
          expect((JSON.parse(text) as { __type: string }).__type, where).toMatch(/^com\.amazonaws\.sqs#/);
        } else {
          expect(text, where).toMatch(/^<\?xml version="1.0"\?><ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>/);
        }
      }
    }
    console.log(`SQS fuzz statuses: ${[...statuses.entries()].map(([s, n]) => `${s}×${n}`).join(', ')}`);
    const health = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListQueues' });
    expect(health.status).toBe(200);
  }, 120_000);

  it('with auth on, the same requests unsigned: none succeeds, each a 403 MissingAuthenticationToken in its protocol', async () => {
    authOn = await startAuthGust();
    for (const { op, json, path, init } of requests()) {
      const res = await fetch(`${authOn.t.url}${path}`, init);
      const text = await res.text();
      const where = `${json ? 'json' : 'query'} ${op} ${path} → ${res.status} ${text.slice(0, 200)}`;
      expect(res.status, where).toBe(403);
      if (json) expect(res.headers.get('x-amzn-query-error'), where).toBe('MissingAuthenticationToken;Sender');
      else expect(text, where).toContain('<Code>MissingAuthenticationToken</Code>');
    }
  }, 120_000);
});
