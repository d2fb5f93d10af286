import { describe, expect, it } from 'vitest';
import { buildUrlEvent, formatRequestTime, isTextContentType } from './url-event.js';
import type { UrlRequest } from './url-request.js';

const URL_ID = 'abcdefghijklmnopqrstuvwxyz012345';
const NOW = Date.UTC(2026, 10, 26, 23, 59, 59, 123);
const REQUEST_ID = '11111111-2222-3333-4444-555555555555';

function request(over: Partial<UrlRequest> = {}): UrlRequest {
  return {
    urlId: URL_ID,
    method: 'POST',
    rawPath: '/my/path',
    rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
    rawHeaders: [
      'Host', `${URL_ID}.lambda-url.us-east-1.localhost:9000`,
      'Content-Type', 'text/plain',
      'X-Multi', 'a',
      'x-multi', 'b',
      'Cookie', 'cookie1=1; cookie2=2',
      'Connection', 'keep-alive',
      'User-Agent', 'agent',
    ],
    body: Buffer.from('Hello from client!'),
    sourceIp: '127.0.0.1',
    domainName: `${URL_ID}.lambda-url.us-east-1.localhost`,
    signedPath: '/my/path',
    ...over,
  };
}

const context = { accountId: '000000000000', requestId: REQUEST_ID, now: NOW, port: 9000 };

describe('buildUrlEvent', () => {
  it('builds payload format 2.0 exactly, anonymous for NONE auth', () => {
    expect(buildUrlEvent(request(), context)).toStrictEqual({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/my/path',
      rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
      cookies: ['cookie1=1', 'cookie2=2'],
      headers: {
        host: `${URL_ID}.lambda-url.us-east-1.localhost:9000`,
        'content-type': 'text/plain',
        'x-multi': 'a,b',
        'user-agent': 'agent',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-port': '9000',
        'x-amzn-trace-id': 'Root=1-6b08c7ff-111111112222333344445555',
      },
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
      requestContext: {
        accountId: 'anonymous',
        apiId: URL_ID,
        domainName: `${URL_ID}.lambda-url.us-east-1.localhost`,
        domainPrefix: URL_ID,
        http: { method: 'POST', path: '/my/path', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'agent' },
        requestId: REQUEST_ID,
        routeKey: '$default',
        stage: '$default',
        time: '26/Nov/2026:23:59:59 +0000',
        timeEpoch: NOW,
      },
      body: 'Hello from client!',
      isBase64Encoded: false,
    });
  });

  it('leaves out cookies, query parameters and body when there are none', () => {
    const event = buildUrlEvent(request({ method: 'GET', rawQueryString: '', rawHeaders: ['Host', 'h'], body: Buffer.alloc(0) }), context);
    expect(Object.keys(event)).toEqual(['version', 'routeKey', 'rawPath', 'rawQueryString', 'headers', 'requestContext', 'isBase64Encoded']);
    expect(event.isBase64Encoded).toBe(false);
    expect((event.requestContext as { http: { userAgent: string } }).http.userAgent).toBe('');
  });

  it('decodes query values and keeps empty ones', () => {
    const event = buildUrlEvent(request({ rawQueryString: 'a=b%20c&flag&x=1+2&a=d' }), context);
    expect(event.queryStringParameters).toEqual({ a: 'b c,d', flag: '', x: '1 2' });
    expect(event.rawQueryString).toBe('a=b%20c&flag&x=1+2&a=d');
  });

  it('base64-encodes binary bodies, bodies without a content type and invalid UTF-8 text', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const binary = buildUrlEvent(request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: bytes }), context);
    expect([binary.body, binary.isBase64Encoded]).toEqual([bytes.toString('base64'), true]);
    const untyped = buildUrlEvent(request({ rawHeaders: [], body: Buffer.from('x') }), context);
    expect([untyped.body, untyped.isBase64Encoded]).toEqual(['eA==', true]);
    const badText = buildUrlEvent(request({ rawHeaders: ['Content-Type', 'text/plain'], body: bytes }), context);
    expect(badText.isBase64Encoded).toBe(true);
    const json = buildUrlEvent(request({ rawHeaders: ['Content-Type', 'application/json; charset=utf-8'], body: Buffer.from('{"é":1}') }), context);
    expect([json.body, json.isBase64Encoded]).toEqual(['{"é":1}', false]);
  });

  it('reports the IAM caller and the account for AWS_IAM URLs', () => {
    const caller = { accessKey: 'AKID', accountId: '000000000000', callerId: 'AKID', userArn: 'arn:aws:iam::000000000000:root', userId: 'AKID' };
    const rc = buildUrlEvent(request(), { ...context, caller }).requestContext as Record<string, unknown>;
    expect(rc.accountId).toBe('000000000000');
    expect(rc.authorizer).toStrictEqual({
      iam: { accessKey: 'AKID', accountId: '000000000000', callerId: 'AKID', cognitoIdentity: null, principalOrgId: null, userArn: 'arn:aws:iam::000000000000:root', userId: 'AKID' },
    });
  });

  it('appends to a forwarded-for chain and keeps a caller trace id', () => {
    const headers = buildUrlEvent(request({ rawHeaders: ['X-Forwarded-For', '10.0.0.1', 'X-Amzn-Trace-Id', 'Root=1-x'] }), context).headers as Record<string, string>;
    expect(headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(headers['x-amzn-trace-id']).toBe('Root=1-x');
  });
});

describe('isTextContentType', () => {
  it.each([
    ['text/html; charset=utf-8', true],
    ['application/json', true],
    ['application/vnd.api+json', true],
    ['application/xml', true],
    ['application/javascript', true],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['image/png', false],
    [undefined, false],
  ])('%s → %s', (type, text) => {
    expect(isTextContentType(type)).toBe(text);
  });
});

describe('formatRequestTime', () => {
  it('pads day and time', () => {
    expect(formatRequestTime(Date.UTC(2020, 2, 2, 9, 3, 8))).toBe('02/Mar/2020:09:03:08 +0000');
  });
});
