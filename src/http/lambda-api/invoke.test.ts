import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../core/limits.js';
import type { LambdaApiSpaces } from './context.js';
import { leanInvoke } from './invoke.js';

// Claiming reads only the request line and headers; the spaces are used once it answers.
const route = leanInvoke({} as LambdaApiSpaces);
const PATH = '/2015-03-31/functions/my-function/invocations';

function claims(path: string, query: string, headers: Record<string, string>, method = 'POST'): number | undefined {
  return route.claim({ method, headers } as unknown as IncomingMessage, path, query)?.bodyBytes;
}

describe('the lean Invoke route', () => {
  it('takes an invoke with a Content-Length within its type’s limit, a name (or ARN) and at most a Qualifier', () => {
    expect(claims(PATH, '', { 'content-length': '12' })).toBe(12);
    expect(claims(PATH, 'Qualifier=live', { 'content-length': '0', 'x-amz-invocation-type': 'Event', 'x-amz-log-type': 'None' })).toBe(0);
    expect(claims('/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations', '', { 'content-length': '2', 'x-amz-log-type': 'Tail' })).toBe(2);
    expect(claims(PATH, '', { 'content-length': String(LIMITS.syncPayloadBytes) })).toBe(LIMITS.syncPayloadBytes);
  });

  it('leaves to Fastify’s route whatever it would have to refuse or read another way', () => {
    const sized = { 'content-length': '2' };
    expect(claims(PATH, '', sized, 'GET')).toBeUndefined();
    expect(claims(PATH, '', {})).toBeUndefined();
    expect(claims(`${PATH}/`, '', sized)).toBeUndefined();
    expect(claims('/2015-03-31/functions/a%zz/invocations', '', sized)).toBeUndefined();
    expect(claims(PATH, 'Qualifier=%zz', sized)).toBeUndefined();
    expect(claims(PATH, 'Qualifier=1&x=2', sized)).toBeUndefined();
    expect(claims(PATH, '', { 'content-length': String(LIMITS.syncPayloadBytes + 1) })).toBeUndefined();
    expect(claims(PATH, '', { 'content-length': String(LIMITS.asyncPayloadBytes + 1), 'x-amz-invocation-type': 'Event' })).toBeUndefined();
    expect(claims(PATH, '', { 'content-length': 'many' })).toBeUndefined();
    expect(claims(PATH, '', { ...sized, 'x-amz-invocation-type': 'Later' })).toBeUndefined();
    expect(claims(PATH, '', { ...sized, 'x-amz-log-type': 'All' })).toBeUndefined();
  });
});
