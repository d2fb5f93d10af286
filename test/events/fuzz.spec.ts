/**
 * Fuzzing the EventBridge API: random operations (known and unknown), random members of
 * every JSON type, and garbage bodies, from a fixed seed. Only 200 and 400 may come back,
 * always in awsJson's error shape; never a 500 or a dropped connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { randomJson, seededRandom, type JsonVocabulary } from '../helpers/fuzz.js';
import { startAuthGust, type AuthGust } from '../auth/support.js';

const SEED = 20260102;
const REQUESTS = 1500;

const OPERATIONS = ['PutRule', 'DescribeRule', 'ListRules', 'EnableRule', 'DisableRule', 'DeleteRule', 'PutTargets', 'RemoveTargets', 'ListTargetsByRule', 'PutEvents', 'TestEventPattern', 'CreateEventBus', ''];
const MEMBERS = ['Name', 'Rule', 'EventBusName', 'ScheduleExpression', 'EventPattern', 'State', 'Description', 'RoleArn', 'NamePrefix', 'NextToken', 'Limit', 'Targets', 'Ids', 'Entries', 'Event'];
const STRINGS = [
  'r1', 'default', '', 'x'.repeat(300), 'rate(1 minute)', 'rate(2 minutes)', 'cron(0 12 * * ? *)', 'cron(* * * * * *)', 'ENABLED', 'DISABLED',
  '{"source":["a"]}', '{"detail":{"n":[{"numeric":[">",1,"<",0]}]}}', '{"a":[{"cidr":"::/129"}]}', '{"$or":[{"a":["b"]},{"c":[{"prefix":"d"}]}]}',
  '{"__proto__":["x"]}', '{"a":{"b":{"c":{"d":[{"anything-but":{"wildcard":"*x*"}}]}}}}', '[]', 'null', '{', 'eyJhZnRlciI6MX0=', 'arn:aws:lambda:us-east-1:000000000000:function:f',
  '$.detail', '$..x', '{"id":"1","account":"1","source":"a","time":"t","region":"r","resources":[],"detail-type":"d"}',
];

const WORDS: JsonVocabulary = {
  strings: STRINGS,
  numbers: [0, -1, 1.5, 101, 1e308, 5],
  keys: ['Id', 'Arn', 'Input', 'InputPath', 'Source', 'DetailType', 'Detail', 'Time', 'Resources', 'InputTransformer'],
  maxArrayLength: 4,
};
const value = (r: () => number): unknown => randomJson(r, WORDS);

let t: TestGust;
let authOn: AuthGust;
beforeAll(async () => {
  t = await startTestGust();
  authOn = await startAuthGust();
});
afterAll(async () => {
  await t.stop();
  await authOn?.stop();
});

/** The seeded requests: an operation (or none) and a body. */
function* requests(): Generator<{ op: string; body: string }> {
  const r = seededRandom(SEED);
  for (let i = 0; i < REQUESTS; i++) {
    const op = OPERATIONS[Math.floor(r() * OPERATIONS.length)]!;
    const body =
      r() < 0.05
        ? ['', 'not json', '[1,2]', '"s"', '{"Name":'][Math.floor(r() * 5)]!
        : JSON.stringify(Object.fromEntries(MEMBERS.filter(() => r() < 0.35).map((m) => [m, value(r)])));
    yield { op, body };
  }
}

function send(url: string, op: string, body: string): Promise<Response> {
  return fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', ...(op === '' ? {} : { 'x-amz-target': `AWSEvents.${op}` }) },
    body,
  });
}

describe('fuzzing the EventBridge API', () => {
  it(`answers ${REQUESTS} random requests with 200 or an awsJson 400 (seed ${SEED})`, async () => {
    const statuses = new Map<number, number>();
    for (const { op, body } of requests()) {
      const res = await send(t.url, op, body);
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect([200, 400], `${op} ${body} → ${res.status} ${text}`).toContain(res.status);
      if (res.status === 400) {
        const error = JSON.parse(text) as { __type?: unknown; message?: unknown };
        expect(typeof error.__type).toBe('string');
        expect(typeof error.message).toBe('string');
      }
    }
    // Some requests must get through, or the fuzzer only tests the front door.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
  });

  it('with auth on, the same requests unsigned: none succeeds, each an awsJson 400 naming the missing signature', async () => {
    for (const { op, body } of requests()) {
      const res = await send(authOn.t.url, op, body);
      expect(res.status, `${op} ${body}`).toBe(400);
      expect((await res.json()) as unknown).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    }
  });
});
