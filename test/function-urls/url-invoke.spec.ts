/**
 * Function URLs end to end: a real server, a real node function deployed with the SDK,
 * and requests from curl, Node's fetch and node:http, to the host-name form and the path
 * form: the payload 2.0 event, answer mapping, binary bodies, errors and limits.
 */
import { CreateAliasCommand, CreateFunctionUrlConfigCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { allowPublicUrl, curl, deployUrlFunction, hostFormOf, rawRequest, urlIdOf, type UrlEvent } from './support.js';

let t: TestGust;
/** AWS's host-name form of the URL (ends with /). */
let hostUrl: string;
/** The path form, as CreateFunctionUrlConfig returned it. */
let pathUrl: string;

beforeAll(async () => {
  t = await startTestGust();
  await deployUrlFunction(t.lambda, 'web', 2);
  const config = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
  await allowPublicUrl(t.lambda, 'web');
  pathUrl = config.FunctionUrl!;
  hostUrl = hostFormOf(pathUrl);
});
afterAll(async () => {
  await t.stop();
});

const event = (body: Buffer): UrlEvent => JSON.parse(body.toString()) as UrlEvent;

describe('function URL requests', () => {
  it('hands curl’s request to the function as AWS builds the event: method, query, repeated headers, cookies', async () => {
    const r = await curl([
      '-X', 'PUT',
      '-H', 'X-Multi: a',
      '-H', 'X-Multi: b',
      '-H', 'Cookie: c1=1; c2=two',
      '-H', 'Content-Type: application/json',
      '-A', 'curl-test',
      '--data-binary', '{"k":1}',
      `${hostUrl}echo?a=1&a=2&b=x%20y`,
    ]);
    expect(r.status).toBe(200);
    const e = event(r.body);
    const id = urlIdOf(hostUrl);
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/echo',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['c1=1', 'c2=two'],
      queryStringParameters: { a: '1,2', b: 'x y' },
      body: '{"k":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: 'anonymous',
        apiId: id,
        domainName: `${id}.lambda-url.us-east-1.localhost`,
        domainPrefix: id,
        http: { method: 'PUT', path: '/echo', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl-test' },
        routeKey: '$default',
        stage: '$default',
      },
    });
    expect(e.headers).toMatchObject({ 'x-multi': 'a,b', 'content-type': 'application/json', 'user-agent': 'curl-test', 'x-forwarded-proto': 'http', host: new URL(hostUrl).host });
    expect(e.headers.cookie).toBeUndefined();
    expect(e.requestContext.authorizer).toBeUndefined();
    expect(e.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    // The answer carries the invocation's request id, as AWS's does.
    expect(r.headers).toContainEqual(['x-amzn-requestid', e.requestContext.requestId]);
  });

  it('serves the path form to Node’s fetch, for every method', async () => {
    for (const method of ['GET', 'POST', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${pathUrl}echo?m=${method}`, { method, ...(method === 'GET' ? {} : { body: 'x', headers: { 'content-type': 'text/plain' } }) });
      expect(res.status).toBe(200);
      const e = (await res.json()) as UrlEvent;
      expect([e.requestContext.http.method, e.rawPath, e.queryStringParameters]).toEqual([method, '/echo', { m: method }]);
    }
    const root = (await (await fetch(`${t.url}/lambda-url/${urlIdOf(hostUrl)}`)).text());
    expect(root).toBe(`no route /`);
    const head = await fetch(`${pathUrl}hello`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('reaches the host form from node:http too, whatever the path', async () => {
    const r = await rawRequest(`${hostUrl}2015-03-31/functions?x=1`);
    expect([r.status, r.body.toString()]).toEqual([404, 'no route /2015-03-31/functions']);
  });

  it('passes binary bodies in as base64 and answers base64 bodies as bytes', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    const res = await fetch(`${pathUrl}reverse`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes).reverse())).toBe(true);
    const echoed = event(Buffer.from(await (await fetch(`${pathUrl}echo`, { method: 'POST', body: bytes, headers: { 'content-type': 'image/png' } })).arrayBuffer()));
    expect([echoed.isBase64Encoded, Buffer.from(echoed.body ?? '', 'base64').equals(bytes)]).toEqual([true, true]);
  });

  it('maps statusCode, headers and cookies, and infers 200 JSON for other values', async () => {
    const r = await curl([`${hostUrl}cookies`]);
    expect(r.status).toBe(201);
    expect(r.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(r.headers).toContainEqual(['x-custom', 'v']);
    expect(r.headers).toContainEqual(['content-type', 'application/json']);
    expect(r.body.toString()).toBe('made');

    const s = await fetch(`${pathUrl}string`);
    expect([s.status, s.headers.get('content-type'), await s.text()]).toEqual([200, 'application/json', 'hello']);
    const o = await fetch(`${pathUrl}object`);
    expect([o.status, o.headers.get('content-type'), await o.text()]).toEqual([200, 'application/json', '{"hello":"world","n":[1,2]}']);
  });

  it('answers 502 Internal Server Error for a thrown error, a timeout and a response over 6 MB', async () => {
    for (const path of ['throw', 'sleep', 'big']) {
      const res = await fetch(`${pathUrl}${path}`);
      expect([path, res.status, await res.text()]).toEqual([path, 502, 'Internal Server Error']);
    }
    // The environment that timed out was replaced: the URL works again.
    expect((await fetch(`${pathUrl}string`)).status).toBe(200);
  });

  it('refuses a request over 6 MB with 413 before invoking', async () => {
    const big = await fetch(`${pathUrl}echo`, { method: 'POST', body: Buffer.alloc(6 * 1024 * 1024 + 1, 97), headers: { 'content-type': 'text/plain' } });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' });
    // Under the limit as bytes, over it once base64-encoded into the event.
    const grown = await fetch(`${pathUrl}echo`, { method: 'POST', body: Buffer.alloc(5 * 1024 * 1024, 1), headers: { 'content-type': 'application/octet-stream' } });
    expect(grown.status).toBe(413);
  });

  it('refuses a streamed (chunked) request over 6 MB from curl with the same 413', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-url-big-'));
    try {
      const file = join(dir, 'big.txt');
      writeFileSync(file, Buffer.alloc(6 * 1024 * 1024 + 1, 97));
      // No Content-Length (and no 100-continue): the limit is enforced as the body streams in.
      const r = await curl(['-X', 'POST', '-H', 'Expect:', '-H', 'Transfer-Encoding: chunked', '-H', 'content-type: text/plain', '--data-binary', `@${file}`, `${hostUrl}echo`]);
      expect([r.status, r.body.toString()]).toEqual([413, '{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}']);
      expect(r.headers).toContainEqual(['x-amzn-errortype', 'RequestTooLargeException']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 403 {"Message":null} for a URL that does not exist', async () => {
    const r = await curl([`http://${'q'.repeat(32)}.lambda-url.us-east-1.localhost:${new URL(t.url).port}/`]);
    expect(r.status).toBe(403);
    expect(r.body.toString()).toBe('{"Message":null}');
    expect(r.headers).toContainEqual(['x-amzn-errortype', 'AccessDeniedException']);
  });

  it('answers 429 when the function is throttled', async () => {
    await deployUrlFunction(t.lambda, 'throttled');
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'throttled', ReservedConcurrentExecutions: 0 }));
    const config = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'throttled', AuthType: 'NONE' }));
    await allowPublicUrl(t.lambda, 'throttled');
    const r = await curl([`${config.FunctionUrl}hello`]);
    expect([r.status, r.body.toString()]).toEqual([429, '{"Message":"Rate Exceeded."}']);
  });

  it('routes an alias URL to the alias', async () => {
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '$LATEST' }));
    const config = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE' }));
    // The alias has its own policy: the function's statement does not make the alias's URL public.
    expect((await rawRequest(`${config.FunctionUrl}hello`)).status).toBe(403);
    await allowPublicUrl(t.lambda, 'web', 'live');
    const r = await rawRequest(`${config.FunctionUrl}hello`);
    expect([r.status, r.body.toString()]).toEqual([200, 'hello']);
  });
});
