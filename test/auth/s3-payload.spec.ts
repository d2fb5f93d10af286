/**
 * S3 bodies under a verified signature: a body that is not the x-amz-content-sha256 the
 * signature covers is refused and not stored; an aws-chunked body signed chunk by chunk
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, what the Java and .NET SDKs send) is stored when its
 * chain holds, and refused, with nothing stored, when a chunk is replayed or moved. The
 * chunk signatures are computed here from AWS's documented algorithm, apart from Gust's code.
 */
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { signRequest, startAuthGust, type AuthGust } from './support.js';

let g: AuthGust;
let s3: S3Client;
beforeAll(async () => {
  g = await startAuthGust();
  s3 = new S3Client({ endpoint: g.t.url, region: 'us-east-1', credentials: g.key, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'chunks' }));
});
afterAll(async () => {
  s3?.destroy();
  await g?.stop();
});

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

async function stored(key: string): Promise<string | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: 'chunks', Key: key }))).Body!.transformToString();
  } catch (err) {
    if ((err as { name: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

/** A signed-chunk PUT of `chunks` (each sent with the signature of `signedAs[i]`'s position in the chain). */
async function putChunked(key: string, chunks: string[], order: number[], trailer?: { tamper: boolean }) {
  const now = Date.now();
  const decoded = order.reduce((n, i) => n + chunks[i]!.length, 0);
  const headers: Record<string, string> = { 'x-amz-content-sha256': trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(decoded) };
  if (trailer) headers['x-amz-trailer'] = 'x-amz-checksum-crc32';
  const signed = await signRequest(g.t.url, g.key, { method: 'PUT', path: `/chunks/${key}`, service: 's3', headers, at: now });
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.init.headers.authorization!)![1]!;
  const longDate = signed.init.headers['x-amz-date']!;
  const scope = `${longDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  let signingKey = hmac(`AWS4${g.key.secretAccessKey}`, longDate.slice(0, 8));
  for (const part of ['us-east-1', 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  // The chain as the client computes it, in the chunks' true order; the body sends `order`.
  const signatures: string[] = [];
  let previous = seed;
  for (const data of [...chunks, '']) {
    previous = hmac(signingKey, ['AWS4-HMAC-SHA256-PAYLOAD', longDate, scope, previous, sha256(''), sha256(data)].join('\n')).toString('hex');
    signatures.push(previous);
  }
  let body = order.map((i) => `${chunks[i]!.length.toString(16)};chunk-signature=${signatures[i]}\r\n${chunks[i]}\r\n`).join('') + `0;chunk-signature=${signatures[chunks.length]}\r\n`;
  if (trailer) {
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.from(order.map((i) => chunks[i]).join(''))));
    const line = `x-amz-checksum-crc32:${crc.toString('base64')}`;
    // The trailer's signature: the last link, over the hash of its lines.
    const trailerSignature = hmac(signingKey, ['AWS4-HMAC-SHA256-TRAILER', longDate, scope, previous, sha256(`${line}\n`)].join('\n')).toString('hex');
    body += `${line}\r\nx-amz-trailer-signature:${trailer.tamper ? trailerSignature.replace(/^./, (c) => (c === '0' ? '1' : '0')) : trailerSignature}\r\n`;
  }
  body += '\r\n';
  return fetch(signed.url, { ...signed.init, body });
}

describe('S3 payloads with auth on', () => {
  it('refuses a body other than its signed x-amz-content-sha256, storing nothing', async () => {
    const signed = await signRequest(g.t.url, g.key, { method: 'PUT', path: '/chunks/hashed', service: 's3', headers: { 'x-amz-content-sha256': sha256('hello') }, body: 'hello' });
    const res = await fetch(signed.url, { ...signed.init, body: 'hellx' });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    expect(text).toContain(`<ClientComputedContentSHA256>${sha256('hello')}</ClientComputedContentSHA256>`);
    expect(await stored('hashed')).toBeUndefined();
    expect((await fetch(signed.url, signed.init)).status).toBe(200);
    expect(await stored('hashed')).toBe('hello');
  });

  it('stores a signed-chunk body whose chain holds', async () => {
    const res = await putChunked('good', ['aaaa', 'bbbb', 'cccc'], [0, 1, 2]);
    expect(res.status, await res.text()).toBe(200);
    expect(await stored('good')).toBe('aaaabbbbcccc');
  });

  it('checks the signed trailer of STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', async () => {
    const good = await putChunked('trailer', ['aaaa', 'bbbb'], [0, 1], { tamper: false });
    expect(good.status, await good.text()).toBe(200);
    expect(await stored('trailer')).toBe('aaaabbbb');
    const bad = await putChunked('trailer-bad', ['aaaa', 'bbbb'], [0, 1], { tamper: true });
    expect(bad.status).toBe(403);
    expect(await stored('trailer-bad')).toBeUndefined();
  });

  it('refuses a replayed or moved chunk signature, storing nothing', async () => {
    const replayed = await putChunked('replayed', ['aaaa', 'bbbb', 'cccc'], [0, 0, 2]);
    expect(replayed.status).toBe(403);
    expect(await replayed.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await stored('replayed')).toBeUndefined();
    const moved = await putChunked('moved', ['aaaa', 'bbbb', 'cccc'], [1, 0, 2]);
    expect(moved.status).toBe(403);
    expect(await stored('moved')).toBeUndefined();
  });
});
