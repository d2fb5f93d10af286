/**
 * SigV4 verification against signatures made the way clients make them: by
 * @smithy/signature-v4, the signer inside the AWS SDKs.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { UrlRequest } from './url-request.js';
import { verifySigV4 } from './url-sigv4.js';

const HOST = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.localhost:9000';
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const credentials = [{ accessKeyId: 'AKIDGUST', secretAccessKey: 'secret' }];
const options = { credentials, region: 'us-east-1', now: NOW };

interface ClientRequest {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  rawQuery?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

async function signed(r: ClientRequest = {}, signer = { accessKeyId: 'AKIDGUST', secretAccessKey: 'secret', region: 'us-east-1', service: 'lambda', at: NOW }): Promise<UrlRequest> {
  const sigv4 = new SignatureV4({ credentials: signer, region: signer.region, service: signer.service, sha256: Sha256 });
  const body = r.body ?? Buffer.from('{"a":1}');
  const path = r.path ?? '/my/path';
  const out = await sigv4.sign(
    { method: r.method ?? 'POST', protocol: 'http:', hostname: HOST.split(':')[0]!, port: 9000, path, query: r.query ?? {}, headers: { host: HOST, 'content-type': 'application/json', ...r.headers }, body },
    { signingDate: new Date(signer.at) },
  );
  const rawHeaders = Object.entries(out.headers).flatMap(([k, v]) => [k, String(v)]);
  return {
    urlId: 'abcdefghijklmnopqrstuvwxyz012345',
    method: r.method ?? 'POST',
    rawPath: path,
    rawQueryString: r.rawQuery ?? '',
    rawHeaders,
    body,
    sourceIp: '127.0.0.1',
    domainName: HOST.split(':')[0]!,
    signedPath: path,
  };
}

describe('verifySigV4', () => {
  it('accepts a correctly signed request and names its key', async () => {
    expect(await verifySigV4(await signed(), options)).toBe('AKIDGUST');
  });

  it('accepts signed query strings with repeats and encoded paths', async () => {
    const req = await signed({ path: '/a%20b/c', query: { x: ['1', '2'], 'y z': 'ü' }, rawQuery: 'x=1&x=2&y%20z=%C3%BC' });
    expect(await verifySigV4(req, options)).toBe('AKIDGUST');
  });

  it('accepts a signature over the declared payload hash', async () => {
    expect(await verifySigV4(await signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }), options)).toBe('AKIDGUST');
  });

  it('refuses unsigned requests and unknown keys', async () => {
    const req = await signed();
    expect(await verifySigV4({ ...req, rawHeaders: ['host', HOST] }, options)).toBeUndefined();
    expect(await verifySigV4(await signed({}, { accessKeyId: 'OTHER', secretAccessKey: 'secret', region: 'us-east-1', service: 'lambda', at: NOW }), options)).toBeUndefined();
  });

  it('refuses a wrong secret, another region or service, and a stale date', async () => {
    const base = { accessKeyId: 'AKIDGUST', secretAccessKey: 'secret', region: 'us-east-1', service: 'lambda', at: NOW };
    expect(await verifySigV4(await signed({}, { ...base, secretAccessKey: 'wrong' }), options)).toBeUndefined();
    expect(await verifySigV4(await signed({}, { ...base, region: 'eu-west-1' }), options)).toBeUndefined();
    expect(await verifySigV4(await signed({}, { ...base, service: 'execute-api' }), options)).toBeUndefined();
    expect(await verifySigV4(await signed({}, { ...base, at: NOW - 16 * 60_000 }), options)).toBeUndefined();
    expect(await verifySigV4(await signed({}, { ...base, at: NOW - 14 * 60_000 }), options)).toBe('AKIDGUST');
  });

  it('refuses a request changed after signing: body, path, query, method or a signed header', async () => {
    const req = await signed({ query: { q: '1' }, rawQuery: 'q=1' });
    expect(await verifySigV4({ ...req, body: Buffer.from('{"a":2}') }, options)).toBeUndefined();
    expect(await verifySigV4({ ...req, signedPath: '/other' }, options)).toBeUndefined();
    expect(await verifySigV4({ ...req, rawQueryString: 'q=2' }, options)).toBeUndefined();
    expect(await verifySigV4({ ...req, method: 'PUT' }, options)).toBeUndefined();
    const headers = req.rawHeaders.map((v, i) => (req.rawHeaders[i - 1] === 'content-type' ? 'text/plain' : v));
    expect(await verifySigV4({ ...req, rawHeaders: headers }, options)).toBeUndefined();
  });

  it('refuses a declared payload hash that is not the body’s', async () => {
    const req = await signed({ headers: { 'x-amz-content-sha256': '0'.repeat(64) } });
    expect(await verifySigV4(req, options)).toBeUndefined();
  });
});
