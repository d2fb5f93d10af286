/**
 * The checks of a body that streams past the edge (S3's), once the request's signature
 * stood: they run as the bytes arrive, so that no upload is held whole, and fail before the
 * consumer's loop ends, so that nothing is stored (the object store commits only after the
 * last byte).
 * - A body whose x-amz-content-sha256 is a hex hash must hash to it (XAmzContentSHA256Mismatch).
 * - An aws-chunked body signed chunk by chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`): each
 *   chunk's signature is the HMAC, under the request's signing key, of a string that holds
 *   the previous chunk's signature (the first chunk's previous is the request's own, the
 *   seed) and the chunk's hash; a chunk replayed, dropped or moved breaks the chain. The
 *   string to sign is AWS's, built here: @smithy/signature-v4 signs chunks only for event
 *   streams, in another format.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { AuthFailure } from '../core/auth-failure.js';
import type { SigningContext } from './caller.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const SIGNED_CHUNKS = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const SIGNED_CHUNKS_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';

/** `body`, failing at its end when its SHA-256 is not `declared`. */
export async function* hashChecked(body: AsyncIterable<Buffer>, declared: string, accessKeyId?: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
  const computed = hash.digest('hex');
  if (computed !== declared) throw new AuthFailure('payload-hash', { declaredSha256: declared, computedSha256: computed, ...(accessKeyId === undefined ? {} : { accessKeyId }) });
}

/** Whether a request's declared payload hash is a hex digest the body must match. */
export function declaresBodyHash(declared: string | undefined): declared is string {
  return declared !== undefined && /^[0-9a-f]{64}$/.test(declared);
}

/** The chain of an aws-chunked body's chunk signatures, fed by the decoder as it reads. */
export class ChunkChain {
  private previous: string;
  private expected: string | undefined;
  private hash: Hash | undefined;
  /** Whether the final, empty chunk was verified: a body cut short before it is refused. */
  finished = false;

  constructor(private readonly signing: SigningContext) {
    this.previous = signing.signature;
  }

  /** A chunk header's extensions (`chunk-signature=…`): the chunk's data follows. */
  begin(extensions: string): void {
    const signature = /(?:^|;)\s*chunk-signature=([0-9a-f]{64})\s*(?:;|$)/.exec(extensions)?.[1];
    if (signature === undefined) throw this.failure();
    this.expected = signature;
    this.hash = createHash('sha256');
  }

  update(data: Uint8Array): void {
    this.hash!.update(data);
  }

  /** The chunk's data ended: its signature must be the next link. `empty`: it was the final chunk. */
  end(empty: boolean): void {
    const { longDate, scope, signingKey } = this.signing;
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', longDate, scope, this.previous, EMPTY_SHA256, this.hash!.digest('hex')].join('\n');
    const computed = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
    if (!timingSafeEqual(Buffer.from(computed), Buffer.from(this.expected!))) throw this.failure();
    this.previous = computed;
    if (empty) this.finished = true;
  }

  /**
   * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: the trailer (its checksum lines, in the
   * order sent) is the last link, signed as `x-amz-trailer-signature` over the hash of
   * its `name:value\n` lines, chained from the final chunk's signature.
   */
  endTrailer(trailers: Map<string, string>): void {
    const given = trailers.get('x-amz-trailer-signature');
    if (given === undefined || !/^[0-9a-f]{64}$/.test(given)) throw this.failure();
    const lines = [...trailers].filter(([name]) => name !== 'x-amz-trailer-signature').map(([name, value]) => `${name}:${value}\n`).join('');
    const { longDate, scope, signingKey } = this.signing;
    const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', longDate, scope, this.previous, createHash('sha256').update(lines).digest('hex')].join('\n');
    const computed = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
    if (!timingSafeEqual(Buffer.from(computed), Buffer.from(given))) throw this.failure();
  }

  private failure(): AuthFailure {
    return new AuthFailure('signature', this.signing.accessKeyId === undefined ? {} : { accessKeyId: this.signing.accessKeyId });
  }
}
