import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from './request-body.js';

async function decode(pieces: string[]): Promise<{ body: string; trailers: Record<string, string> }> {
  const trailers = new Map<string, string>();
  const out: Buffer[] = [];
  async function* source() {
    for (const p of pieces) yield Buffer.from(p, 'latin1');
  }
  for await (const chunk of decodeAwsChunked(source(), trailers)) out.push(chunk);
  return { body: Buffer.concat(out).toString('latin1'), trailers: Object.fromEntries(trailers) };
}

const SIGNED = '5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n0;chunk-signature=cc\r\n\r\n';
const TRAILER = '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-trailer-signature:dd\r\n\r\n';

describe('aws-chunked bodies', () => {
  it('decodes signed chunks however the stream is cut', async () => {
    for (let cut = 1; cut < SIGNED.length; cut++) {
      expect((await decode([SIGNED.slice(0, cut), SIGNED.slice(cut)])).body).toBe('hello world');
    }
    expect((await decode(SIGNED.split(''))).body).toBe('hello world');
  });

  it('reads trailers, with or without the final empty line', async () => {
    expect(await decode([TRAILER])).toEqual({ body: 'hello', trailers: { 'x-amz-checksum-crc32': 'NhCmhg==', 'x-amz-trailer-signature': 'dd' } });
    expect((await decode(['5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg=='])).trailers).toEqual({ 'x-amz-checksum-crc32': 'NhCmhg==' });
  });

  it('refuses a size that is not hex, a chunk longer than its size, and a stream cut short', async () => {
    await expect(decode(['zz\r\nhello\r\n'])).rejects.toMatchObject({ awsType: 'IncompleteBody' });
    await expect(decode(['3\r\nhello\r\n0\r\n\r\n'])).rejects.toMatchObject({ awsType: 'IncompleteBody' });
    await expect(decode(['5\r\nhel'])).rejects.toMatchObject({ awsType: 'IncompleteBody' });
  });
});
