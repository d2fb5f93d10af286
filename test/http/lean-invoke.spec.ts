/**
 * Invoke has two routes (src/http/lean-route.ts): the lean one answers a request with a
 * Content-Length before Fastify, and Fastify's answers the rest, here reached with a
 * chunked body. Against a real server and a real function, each case is sent both ways
 * and must get the same answer: status, AWS's headers and body.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction } from '../helpers/lambda.js';

let t: TestGust;

beforeAll(async () => {
  t = await startTestGust();
  await createFunction(t.lambda, 'echo', {
    files: { 'index.js': "exports.handler = async (event) => { if (event.fail) throw new Error('asked to fail'); return { event }; };\n" },
  });
});

afterAll(async () => {
  await t.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The headers an Invoke answer is compared by (the request id differs per request, the log tail with it). */
const COMPARED = ['content-type', 'x-amzn-errortype', 'x-amz-function-error', 'x-amz-executed-version'];

function send(path: string, body: string, headers: Record<string, string>, chunked: boolean): Promise<Answer> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(body)) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: Object.fromEntries(COMPARED.map((h) => [h, res.headers[h] as string | undefined])),
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The case sent both ways: both answers, which must be equal. */
async function bothWays(path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const lean = await send(path, body, headers, false);
  const fastify = await send(path, body, headers, true);
  expect(lean).toEqual(fastify);
  return lean;
}

const INVOKE = '/2015-03-31/functions/echo/invocations';

describe('Invoke, through the lean route and through Fastify', () => {
  it('runs the function and answers its result', async () => {
    const ok = await bothWays(INVOKE, '{"n":1}');
    expect(ok).toMatchObject({ status: 200, body: '{"event":{"n":1}}' });
    expect(ok.headers['x-amz-executed-version']).toBe('$LATEST');
    expect((await bothWays(`${INVOKE}?Qualifier=%24LATEST`, '')).body).toBe('{"event":{}}');
    expect((await bothWays('/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aecho/invocations', '{"n":2}')).body).toBe('{"event":{"n":2}}');
  });

  it('answers a function error, an Event and a DryRun as AWS does', async () => {
    const failed = await bothWays(INVOKE, '{"fail":true}');
    expect(failed.status).toBe(200);
    expect(failed.headers['x-amz-function-error']).toBe('Unhandled');
    expect(JSON.parse(failed.body)).toMatchObject({ errorType: 'Error', errorMessage: 'asked to fail' });
    expect(await bothWays(INVOKE, '{}', { 'x-amz-invocation-type': 'Event' })).toMatchObject({ status: 202, body: '' });
    expect(await bothWays(INVOKE, '{}', { 'x-amz-invocation-type': 'DryRun' })).toMatchObject({ status: 204, body: '' });
  });

  it('refuses what AWS refuses, in its shape', async () => {
    const cases: [string, string, Record<string, string>, number, string][] = [
      ['/2015-03-31/functions/nothing/invocations', '{}', {}, 404, 'ResourceNotFoundException'],
      [`${INVOKE}?Qualifier=7`, '{}', {}, 404, 'ResourceNotFoundException'],
      [INVOKE, 'not json', {}, 400, 'InvalidRequestContentException'],
      [INVOKE, '{}', { 'x-amz-client-context': 'not base64!' }, 400, 'InvalidRequestContentException'],
      [INVOKE, '{}', { 'x-amz-invocation-type': 'Later' }, 400, 'ValidationException'],
      [INVOKE, '{}', { 'x-amz-log-type': 'All' }, 400, 'ValidationException'],
      ['/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A999999999999%3Afunction%3Aecho/invocations', '{}', {}, 403, 'AccessDeniedException'],
    ];
    for (const [path, body, headers, status, type] of cases) {
      const refused = await bothWays(path, body, headers);
      expect([path, refused.status, refused.headers['x-amzn-errortype']]).toEqual([path, status, type]);
      expect(JSON.parse(refused.body).Message).toEqual(expect.any(String));
    }
  });
});
