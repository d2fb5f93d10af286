import { createHash, randomBytes } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { AuthFailure } from '../core/auth-failure.js';
import { mintFunctionCredentials } from '../core/function-credentials.js';
import { RequestVerifier, type RequestToVerify } from './verifier.js';

const NOW = Date.UTC(2026, 11, 4, 5, 30, 0);
const KEY = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret/example' };
const fnKey = randomBytes(32);

function verifier(over: { now?: number; live?: boolean } = {}) {
  return new RequestVerifier({
    keys: { lookup: async (id) => (id === KEY.accessKeyId ? { accountId: '000000000000', secretAccessKey: KEY.secretAccessKey } : undefined), any: async () => true },
    functionCredentialsKey: fnKey,
    functionLive: () => over.live ?? true,
    accountId: '000000000000',
    mayRunOpen: true,
    now: () => over.now ?? NOW,
  });
}

/** Signs like the SDK does, then presents the request as the edge would. */
async function signed(body: string, options: { credentials?: typeof KEY & { sessionToken?: string }; at?: number; service?: string; presign?: number } = {}): Promise<RequestToVerify> {
  const signer = new SignatureV4({ credentials: options.credentials ?? KEY, region: 'us-east-1', service: options.service ?? 'lambda', sha256: Sha256 });
  const request = { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path: '/2015-03-31/functions/f%3A1/invocations', query: { a: 'b c' }, headers: { host: '127.0.0.1:9000', 'content-type': 'application/json' }, body };
  const out = options.presign === undefined ? await signer.sign(request, { signingDate: new Date(options.at ?? NOW) }) : await signer.presign(request, { signingDate: new Date(options.at ?? NOW), expiresIn: options.presign });
  const headers = Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const rawQuery = Object.entries(out.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return { method: 'POST', path: request.path, rawQuery, header: (n) => headers[n], bodySha256: createHash('sha256').update(body).digest('hex') };
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AuthFailure) return err.reason;
    throw err;
  }
}

describe('RequestVerifier', () => {
  it('accepts a header-signed and a presigned request, and names the caller', async () => {
    const v = verifier();
    expect((await v.verify(await signed('{}'))).caller).toEqual({ accountId: '000000000000', accessKeyId: KEY.accessKeyId, kind: 'key' });
    expect(await reason(v.verify(await signed('{}', { presign: 60 })))).toBe('ok');
  });

  it('refuses a wrong secret, an unknown key, a tampered body or header, and no signature', async () => {
    const v = verifier();
    expect(await reason(v.verify(await signed('{}', { credentials: { ...KEY, secretAccessKey: 'wrong' } })))).toBe('signature');
    expect(await reason(v.verify(await signed('{}', { credentials: { ...KEY, accessKeyId: 'AKIANOPE' } })))).toBe('unknown-key');
    const req = await signed('{}');
    // The SDK's signer declares the body's hash in x-amz-content-sha256: a body that differs is caught there.
    expect(await reason(v.verify({ ...req, bodySha256: createHash('sha256').update('{"x":1}').digest('hex') }))).toBe('payload-hash');
    expect(await reason(v.verify({ ...req, header: (n) => (n === 'content-type' ? 'text/plain' : req.header(n)) }))).toBe('signature');
    expect(await reason(v.verify({ ...req, header: (n) => (n === 'authorization' ? undefined : req.header(n)) }))).toBe('missing');
  });

  it('keeps the 15-minute window and a presigned URL’s lifetime', async () => {
    const v = verifier();
    expect(await reason(v.verify(await signed('{}', { at: NOW - 14 * 60_000 })))).toBe('ok');
    expect(await reason(v.verify(await signed('{}', { at: NOW - 16 * 60_000 })))).toBe('skew');
    expect(await reason(v.verify(await signed('{}', { at: NOW + 16 * 60_000 })))).toBe('skew');
    expect(await reason(v.verify(await signed('{}', { at: NOW - 61_000, presign: 60 })))).toBe('presign-expired');
  });

  it('verifies function credentials, refusing expired ones and those of a deleted function', async () => {
    const creds = mintFunctionCredentials(fnKey, { function: 'arn:aws:lambda:us-east-1:000000000000:function:f', role: 'r', account: '000000000000', generation: 'g1' }, NOW - 1000, 60_000);
    const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken };
    expect((await verifier().verify(await signed('{}', { credentials }))).caller.kind).toBe('function');
    expect(await reason(verifier({ live: false }).verify(await signed('{}', { credentials })))).toBe('invalid-token');
    expect(await reason(verifier({ now: NOW + 120_000 }).verify(await signed('{}', { credentials, at: NOW + 120_000 })))).toBe('expired-token');
  });

  it('on an open server checks nothing', async () => {
    const v = new RequestVerifier({ keys: { lookup: async () => undefined, any: async () => false }, functionCredentialsKey: fnKey, functionLive: () => true, accountId: '000000000000', mayRunOpen: true, now: () => NOW });
    expect((await v.verify(await signed('{}', { credentials: { ...KEY, secretAccessKey: 'wrong' } }))).caller.kind).toBe('open');
  });
});
