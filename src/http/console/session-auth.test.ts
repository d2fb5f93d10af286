import { describe, expect, it } from 'vitest';
import type { RequestToVerify } from '../../auth/verifier.js';
import { consoleCaller, consoleMayCall, cookieValue } from './session-auth.js';

const caller = { accountId: '111111111111', accessKeyId: 'AKIAEXAMPLE', kind: 'key' as const };
const sessions = { callerOf: async (token: string) => (token === 'good' ? caller : undefined) };

function request(method: string, path: string, headers: Record<string, string>, rawQuery = ''): RequestToVerify {
  return { method, path, rawQuery, header: (name) => headers[name], bodySha256: undefined };
}

describe('the console session at the edge', () => {
  it('opens the reads and Invoke, and no other write', () => {
    expect(consoleMayCall('GET', '/2015-03-31/functions', undefined)).toBe(true);
    expect(consoleMayCall('GET', '/2021-10-31/functions/f/url', undefined)).toBe(true);
    expect(consoleMayCall('GET', '/gust/logs/f', undefined)).toBe(true);
    expect(consoleMayCall('POST', '/2015-03-31/functions/f/invocations', undefined)).toBe(true);
    expect(consoleMayCall('POST', '/', 'AWSEvents.ListRules')).toBe(true);
    expect(consoleMayCall('POST', '/', 'AWSEvents.PutRule')).toBe(false);
    expect(consoleMayCall('POST', '/', 'AmazonSQS.ListQueues')).toBe(false);
    expect(consoleMayCall('POST', '/2015-03-31/functions', undefined)).toBe(false);
    expect(consoleMayCall('DELETE', '/2015-03-31/functions/f', undefined)).toBe(false);
    expect(consoleMayCall('PUT', '/2015-03-31/functions/f/code', undefined)).toBe(false);
    expect(consoleMayCall('GET', '/bucket/key', undefined)).toBe(false);
  });

  it('reads a cookie among others', () => {
    expect(cookieValue('a=1; gust_console=tok.en; b=2', 'gust_console')).toBe('tok.en');
    expect(cookieValue('xgust_console=1', 'gust_console')).toBeUndefined();
    expect(cookieValue(undefined, 'gust_console')).toBeUndefined();
  });

  it('takes the cookie with the console header, without a signature, on an open route', async () => {
    const ok = { 'x-gust-console': '1', cookie: 'gust_console=good' };
    expect(await consoleCaller(sessions, request('GET', '/2015-03-31/functions', ok))).toEqual(caller);
    expect(await consoleCaller(sessions, request('GET', '/2015-03-31/functions', { cookie: 'gust_console=good' }))).toBeUndefined();
    expect(await consoleCaller(sessions, request('GET', '/2015-03-31/functions', { ...ok, cookie: 'gust_console=bad' }))).toBeUndefined();
    expect(await consoleCaller(sessions, request('GET', '/2015-03-31/functions', { ...ok, authorization: 'AWS4-HMAC-SHA256 …' }))).toBeUndefined();
    expect(await consoleCaller(sessions, request('GET', '/2015-03-31/functions', ok, 'X-Amz-Signature=abc'))).toBeUndefined();
    expect(await consoleCaller(sessions, request('DELETE', '/2015-03-31/functions/f', ok))).toBeUndefined();
  });
});
