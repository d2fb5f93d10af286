import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidRequestContentException, RequestTooLargeException } from '../core/errors.js';
import { Base64MemberReader } from './base64-member.js';

/** Feeds `body` in chunks of `size` bytes; returns the rest (parsed) and the decoded member. */
async function read(body: string, size: number, target = ['Code', 'ZipFile'], maxRest = 1 << 20) {
  const out: Buffer[] = [];
  const reader = new Base64MemberReader(target, async (b) => void out.push(Buffer.from(b)), maxRest, () => new RequestTooLargeException('too large'));
  const bytes = Buffer.from(body);
  for (let i = 0; i < bytes.length; i += size) await reader.push(bytes.subarray(i, i + size));
  return { rest: JSON.parse(reader.text()) as Record<string, unknown>, member: Buffer.concat(out), found: reader.found, decoded: reader.decodedBytes };
}

describe('Base64MemberReader', () => {
  const zip = randomBytes(5000);
  const body = JSON.stringify({
    FunctionName: 'f "quoted" {braces} [and] \\ slashes',
    Environment: { Variables: { ZipFile: 'not the member', Code: '{"ZipFile":"x"}' } },
    Tags: { 'é': 'ü' },
    Code: { S3Bucket: null, ZipFile: zip.toString('base64') },
    Layers: [{ Code: { ZipFile: 'AAAA' } }],
  });

  it('decodes the member at its path whatever the chunking, and keeps the rest', async () => {
    for (const size of [1, 2, 3, 7, 64, 4096, body.length]) {
      const r = await read(body, size);
      expect(r.member.equals(zip), `chunks of ${size}`).toBe(true);
      expect(r.decoded).toBe(zip.length);
      expect(r.rest).toEqual({ ...JSON.parse(body), Code: { S3Bucket: null, ZipFile: '' } });
    }
  });

  it('takes escaped slashes and MIME line breaks, refuses anything else that is not base64', async () => {
    const b64 = zip.toString('base64');
    const escaped = `{"Code":{"ZipFile":"${b64.replace(/(.{76})/g, '$1\\n').replace(/\//g, '\\/')}"}}`;
    for (const size of [1, 5, 100]) expect((await read(escaped, size)).member.equals(zip)).toBe(true);
    await expect(read('{"Code":{"ZipFile":"AB$D"}}', 3)).rejects.toBeInstanceOf(InvalidRequestContentException);
    await expect(read('{"Code":{"ZipFile":"AB\\tD"}}', 3)).rejects.toThrow(/Code.ZipFile must be base64/);
    await expect(read('{"Code":{"ZipFile":"AB==CD"}}', 2)).rejects.toThrow(/must be base64/);
    await expect(read('{"Code":{"ZipFile":"ABCDE"}}', 2)).rejects.toThrow(/must be base64/);
  });

  it('finds nothing when the member is absent or not a string, and refuses it twice', async () => {
    expect(await read('{"Code":{"S3Bucket":"b"}}', 4)).toMatchObject({ found: false, rest: { Code: { S3Bucket: 'b' } } });
    expect(await read('{"Code":{"ZipFile":12}}', 4)).toMatchObject({ found: false, rest: { Code: { ZipFile: 12 } } });
    expect(await read('{"ZipFile":"QUJD"}', 4, ['ZipFile'])).toMatchObject({ found: true, decoded: 3 });
    await expect(read('{"Code":{"ZipFile":"QUJD","ZipFile":"QUJD"}}', 4)).rejects.toThrow(/appears twice/);
  });

  it('refuses a document whose rest is over its limit', async () => {
    await expect(read(JSON.stringify({ Description: 'x'.repeat(2000) }), 100, ['ZipFile'], 1000)).rejects.toBeInstanceOf(RequestTooLargeException);
  });
});
