/**
 * Fuzzing the function URL surface with a seeded generator: random url-ids, methods,
 * paths, headers (forged Authorization and Host included) and bodies. Gust's own answers
 * must stay 4xx (403 for unknown URLs and for unsigned or forged signatures), never a
 * crash or a 5xx.
 */
import { CreateAliasCommand, CreateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/fuzz.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { deployUrlFunction, rawRequest, urlIdOf } from './support.js';

let t: TestGust;
let iamId: string;

beforeAll(async () => {
  t = await startTestGust();
  await deployUrlFunction(t.lambda, 'web');
  await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'private', FunctionVersion: '$LATEST' }));
  iamId = urlIdOf((await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'private', AuthType: 'AWS_IAM' }))).FunctionUrl!);
});
afterAll(async () => {
  await t.stop();
});

describe('function URL fuzzing', () => {
  it('answers random requests to unknown URLs and unsigned or forged IAM requests with 4xx only', async () => {
    const rnd = seededRandom(20261127);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const junk = (n: number) => Array.from({ length: Math.floor(rnd() * n) }, () => String.fromCharCode(33 + Math.floor(rnd() * 94))).join('');
    const port = new URL(t.url).port;
    const ids = [iamId, 'a'.repeat(32), junk(40).replace(/[^a-z0-9]/g, '') || 'x', iamId.toUpperCase()];
    const authorizations = [
      undefined,
      '',
      junk(200),
      `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=${junk(30)}/${junk(10)}/us-east-1/lambda/aws4_request, SignedHeaders=${junk(20)}, Signature=${'f'.repeat(64)}`,
      'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=missing, Signature=' + 'a'.repeat(64),
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 250; i++) {
      const id = pick(ids);
      const hostForm = rnd() < 0.5;
      const path = '/' + Array.from({ length: Math.floor(rnd() * 4) }, () => encodeURIComponent(junk(12))).join('/') + (rnd() < 0.3 ? `?${encodeURIComponent(junk(20))}` : '');
      const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      const headers: Record<string, string | string[]> = { 'x-amz-date': pick(['20260101T000000Z', junk(16)]), 'x-junk': [junk(30), junk(30)] };
      const authorization = pick(authorizations);
      if (authorization !== undefined) headers.authorization = authorization;
      if (rnd() < 0.3) headers.origin = `https://${junk(10)}`;
      if (rnd() < 0.3) headers['access-control-request-method'] = pick(['GET', junk(8)]);
      if (rnd() < 0.5) headers['content-type'] = pick(['application/json', 'text/plain', 'application/octet-stream', 'image/png']);
      const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.from(junk(300));
      const url = hostForm ? `http://${id}.lambda-url.us-east-1.localhost:${port}${path}` : `${t.url}/lambda-url/${id}${path}`;
      const r = await rawRequest(url, { method, headers, ...(body ? { body } : {}) }).catch((err: unknown) => {
        throw new Error(`${method} ${url} ${JSON.stringify(headers)}: ${String(err)}`);
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect(r.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${url}`).toBeLessThan(500);
    }
    expect([...statuses.keys()]).toContain(403);
  });
});
