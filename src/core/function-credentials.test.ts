import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintFunctionCredentials, openSessionToken, secretFor } from './function-credentials.js';

const key = randomBytes(32);
const claims = { function: 'arn:aws:lambda:us-east-1:000000000000:function:f', role: 'arn:aws:iam::000000000000:role/r' };

describe('function credentials', () => {
  it('mint a temporary key whose token opens to its claims and whose secret can be recomputed', () => {
    const c = mintFunctionCredentials(key, claims, 1000, 60_000);
    expect(c.accessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
    expect(c.secretAccessKey).toHaveLength(40);
    expect(openSessionToken(key, c.accessKeyId, c.sessionToken, 2000)).toEqual({ ...claims, expires: 61_000 });
    expect(secretFor(key, c.accessKeyId, c.sessionToken)).toBe(c.secretAccessKey);
    expect(mintFunctionCredentials(key, claims, 1000).accessKeyId).not.toBe(c.accessKeyId);
  });

  it('refuse a token that expired, was altered, belongs to another key id, or another server key', () => {
    const c = mintFunctionCredentials(key, claims, 1000, 60_000);
    expect(openSessionToken(key, c.accessKeyId, c.sessionToken, 61_000)).toBeUndefined();
    const [prefix, body, tag] = c.sessionToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), r: 'arn:aws:iam::000000000000:role/admin' })).toString('base64url');
    expect(openSessionToken(key, c.accessKeyId, `${prefix}.${forged}.${tag}`, 2000)).toBeUndefined();
    expect(openSessionToken(key, 'ASIA0000000000000000', c.sessionToken, 2000)).toBeUndefined();
    expect(openSessionToken(randomBytes(32), c.accessKeyId, c.sessionToken, 2000)).toBeUndefined();
    expect(openSessionToken(key, c.accessKeyId, 'garbage', 2000)).toBeUndefined();
  });
});
