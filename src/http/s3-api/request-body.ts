/**
 * An S3 request body as the object service takes it: the payload bytes as they arrive,
 * and the checks to run once they all have. Today's SDKs send `aws-chunked` bodies (each
 * chunk behind a hex size, with a chunk signature when signed) whose checksum comes in a
 * trailer after the last chunk (`x-amz-trailer: x-amz-checksum-crc32` by default in SDK
 * v3); older clients send the bytes as they are, with `Content-MD5` or an
 * `x-amz-checksum-*` header. The chunks are decoded as they stream: no body is held whole.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import type { IncomingMessage } from 'node:http';
import { IncompleteBody } from '../../core/s3-errors.js';
import type { BodyChecks, ClaimedChecksum } from '../../control/s3/bucket-objects.js';
import type { SigningContext } from '../../auth/caller.js';
import { ChunkChain, declaresBodyHash, hashChecked, SIGNED_CHUNKS, SIGNED_CHUNKS_TRAILER } from '../../auth/payload-checks.js';

const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'sha256', 'sha1', 'crc64nvme'];
/** A chunk header or trailer line longer than this is not one. */
const MAX_LINE = 64 * 1024;

export interface RequestBody {
  body: AsyncIterable<Uint8Array>;
  checks: BodyChecks;
  wantsCrc32c: boolean;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Whether the body is aws-chunked: by its encoding, or by the payload hash's STREAMING- form. */
function isChunked(req: IncomingMessage): boolean {
  const encoding = header(req, 'content-encoding') ?? '';
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || (header(req, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-');
}

/**
 * The payload of an aws-chunked stream; trailers are recorded into `trailers` as they are
 * read, and each chunk is fed to `chain` when its signatures must be checked.
 */
export async function* decodeAwsChunked(source: AsyncIterable<Buffer>, trailers: Map<string, string>, chain?: ChunkChain, signedTrailer = false): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  let state = 'header' as 'header' | 'data' | 'crlf' | 'trailer' | 'done';
  let remaining = 0;
  for await (const chunk of source) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let pos = 0;
    scan: while (pos < buf.length) {
      switch (state) {
        case 'header': {
          const eol = buf.indexOf('\r\n', pos);
          if (eol < 0) break scan;
          const line = buf.toString('latin1', pos, eol);
          const semi = line.indexOf(';');
          const size = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,16}$/.test(size)) throw new IncompleteBody('The aws-chunked body is malformed: a chunk size is not hexadecimal.');
          pos = eol + 2;
          remaining = parseInt(size, 16);
          chain?.begin(semi < 0 ? '' : line.slice(semi + 1));
          if (remaining === 0) chain?.end(true);
          state = remaining === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const n = Math.min(remaining, buf.length - pos);
          const data = buf.subarray(pos, pos + n);
          chain?.update(data);
          pos += n;
          remaining -= n;
          // A chunk's last bytes go on only once its signature stood.
          if (remaining === 0) {
            chain?.end(false);
            state = 'crlf';
          }
          yield data;
          break;
        }
        case 'crlf':
          if (buf.length - pos < 2) break scan;
          if (buf[pos] !== 0x0d || buf[pos + 1] !== 0x0a) throw new IncompleteBody('The aws-chunked body is malformed: a chunk is longer than its size.');
          pos += 2;
          state = 'header';
          break;
        case 'trailer': {
          const eol = buf.indexOf('\r\n', pos);
          if (eol < 0) break scan;
          const line = buf.toString('latin1', pos, eol);
          pos = eol + 2;
          if (line === '') {
            state = 'done';
            break;
          }
          const colon = line.indexOf(':');
          if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
          break;
        }
        case 'done':
          pos = buf.length;
          break;
      }
    }
    buf = buf.subarray(pos);
    if (buf.length > MAX_LINE) throw new IncompleteBody('The aws-chunked body is malformed: a line is too long.');
  }
  // Some clients end the stream right after the last trailer line, without the empty one.
  if (state === 'trailer' && buf.length > 0) {
    const line = buf.toString('latin1');
    const colon = line.indexOf(':');
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  } else if (state !== 'done' && state !== 'trailer') {
    throw new IncompleteBody();
  }
  if (chain && !chain.finished) throw new IncompleteBody();
  if (chain && signedTrailer) chain.endTrailer(trailers);
}

/**
 * The body of a request, decoded when aws-chunked, with its digests to check. `signing`
 * (a verified signature: see http/edge-auth.ts) adds the signature's own checks: the
 * declared SHA-256 of a plain body, the chain of a signed-chunk body.
 */
export function requestBody(req: IncomingMessage, signing?: SigningContext): RequestBody {
  const trailers = new Map<string, string>();
  const chunked = isChunked(req);
  const decodedLength = chunked ? header(req, 'x-amz-decoded-content-length') : undefined;
  const declared = signing?.declaredPayloadHash;
  const chain = signing && declared?.startsWith(SIGNED_CHUNKS) ? new ChunkChain(signing) : undefined;
  const raw = req as AsyncIterable<Buffer>;
  const body = chunked ? decodeAwsChunked(raw, trailers, chain, declared === SIGNED_CHUNKS_TRAILER) : signing && declaresBodyHash(declared) ? hashChecked(raw, declared, signing.accessKeyId) : raw;
  const claimed = (): ClaimedChecksum | undefined => {
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const name = `x-amz-checksum-${algorithm}`;
      const value = header(req, name) ?? trailers.get(name);
      if (value !== undefined) return { algorithm, value };
    }
    return undefined;
  };
  const named = [header(req, 'x-amz-sdk-checksum-algorithm'), header(req, 'x-amz-checksum-algorithm'), header(req, 'x-amz-trailer')].join(' ').toLowerCase();
  const wantsCrc32c = named.includes('crc32c') || header(req, 'x-amz-checksum-crc32c') !== undefined;
  const size = decodedLength !== undefined && /^\d+$/.test(decodedLength) ? Number(decodedLength) : undefined;
  return { body, checks: { contentMd5: header(req, 'content-md5'), checksum: claimed, size }, wantsCrc32c };
}
