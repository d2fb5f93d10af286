/**
 * CORS and AWS_IAM on function URLs, end to end: preflights answered from the
 * configuration without invoking the function, CORS headers on actual answers, and
 * SigV4-signed requests (signed with @smithy/signature-v4 as the SDKs sign) accepted while
 * unsigned and wrongly signed ones get AWS's 403.
 */
import { CreateAliasCommand, CreateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { allowPublicUrl, curl, deployUrlFunction, hostFormOf, signRequest, urlIdOf, type UrlEvent } from './support.js';

let t: TestGust;
let corsUrl: string;
let iamUrl: string;

const CORS = { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-custom', 'content-type'], ExposeHeaders: ['x-total'], MaxAge: 600, AllowCredentials: true };

beforeAll(async () => {
  t = await startTestGust();
  await deployUrlFunction(t.lambda, 'web');
  await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'site', FunctionVersion: '$LATEST' }));
  await t.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'private', FunctionVersion: '$LATEST' }));
  // The host-name form: these requests also prove that AWS's form of the URL is served.
  corsUrl = hostFormOf((await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'site', AuthType: 'NONE', Cors: CORS }))).FunctionUrl!);
  await allowPublicUrl(t.lambda, 'web', 'site');
  iamUrl = hostFormOf((await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'private', AuthType: 'AWS_IAM' }))).FunctionUrl!);
});
afterAll(async () => {
  await t.stop();
});

const corsHeaders = (headers: [string, string][]) => headers.filter(([n]) => n.startsWith('access-control-') || n === 'vary');

describe('CORS', () => {
  it('answers an allowed preflight from the configuration, without invoking the function', async () => {
    // /nowhere would be the function's 404: a 200 with no body shows the function was not called.
    const r = await curl(['-X', 'OPTIONS', '-H', 'Origin: https://app.example', '-H', 'Access-Control-Request-Method: POST', '-H', 'Access-Control-Request-Headers: x-custom', `${corsUrl}nowhere`]);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(corsHeaders(r.headers)).toEqual([
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-methods', 'GET,POST'],
      ['access-control-allow-headers', 'x-custom,content-type'],
      ['access-control-max-age', '600'],
      ['access-control-allow-credentials', 'true'],
      ['vary', 'Origin'],
    ]);
  });

  it('gives a disallowed origin no CORS headers', async () => {
    const r = await curl(['-X', 'OPTIONS', '-H', 'Origin: https://evil.example', '-H', 'Access-Control-Request-Method: GET', `${corsUrl}nowhere`]);
    expect(r.status).toBe(200);
    expect(corsHeaders(r.headers)).toEqual([]);
  });

  it('adds the configured headers to actual answers, over the function’s own', async () => {
    const res = await fetch(`${t.url}/lambda-url/${urlIdOf(corsUrl)}/cookies`, { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toBe('x-total');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await fetch(`${t.url}/lambda-url/${urlIdOf(corsUrl)}/cookies`, { headers: { origin: 'https://evil.example' } });
    // Not allowed: the function's own header passes through untouched.
    expect(other.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('AWS_IAM', () => {
  const pathForm = () => `${t.url}/lambda-url/${urlIdOf(iamUrl)}/echo?x=1`;

  it('refuses an unsigned request with 403 Forbidden', async () => {
    const res = await fetch(pathForm());
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(await res.json()).toEqual({ Message: 'Forbidden' });
  });

  it('accepts a correctly signed request and tells the function who called', async () => {
    const body = Buffer.from('{"signed":true}');
    const headers = await signRequest(pathForm(), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const res = await fetch(pathForm(), { method: 'POST', body, headers });
    expect(res.status).toBe(200);
    const e = (await res.json()) as UrlEvent;
    expect(e.body).toBe('{"signed":true}');
    expect(e.requestContext.accountId).toBe('000000000000');
    expect(e.requestContext.authorizer).toEqual({
      iam: { accessKey: 'test', accountId: '000000000000', callerId: 'test', cognitoIdentity: null, principalOrgId: null, userArn: 'arn:aws:iam::000000000000:root', userId: 'test' },
    });
  });

  it('accepts a signed request to the host name from curl', async () => {
    const url = `${iamUrl}echo?b=2&a=1`;
    const headers = await signRequest(url);
    const r = await curl([...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).rawQueryString).toBe('b=2&a=1');
  });

  it('refuses a wrong secret, an unknown key and a body changed after signing', async () => {
    for (const creds of [{ secretAccessKey: 'wrong' }, { accessKeyId: 'AKIDUNKNOWN' }]) {
      const res = await fetch(pathForm(), { headers: await signRequest(pathForm(), creds) });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('{"Message":"Forbidden"}');
    }
    const headers = await signRequest(pathForm(), { method: 'POST', body: Buffer.from('a'), headers: { 'content-type': 'text/plain' } });
    expect((await fetch(pathForm(), { method: 'POST', body: 'b', headers })).status).toBe(403);
  });
});
