/**
 * Code.Location and Content.Location when requests are verified: AWS hands out presigned
 * S3 URLs valid for 10 minutes, which any HTTP client can fetch; Gust's location is its own
 * `/gust/code/<hash>.zip`, so it carries Gust's own expiry and an HMAC of hash and expiry
 * under the server's key (`X-Gust-Expires`, `X-Gust-Signature`). On an open server the
 * location stays the plain path.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a code location works, as AWS's presigned code URLs. */
export const CODE_URL_TTL_MS = 10 * 60_000;

export class CodeUrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number,
  ) {}

  /** The query that lets `hash` be downloaded until 10 minutes from now. */
  query(hash: string): string {
    const expires = this.now() + CODE_URL_TTL_MS;
    return `X-Gust-Expires=${expires}&X-Gust-Signature=${this.mac(hash, expires)}`;
  }

  /** Whether `rawQuery` (without `?`) is an unexpired location query for `hash`. */
  valid(hash: string, rawQuery: string): boolean {
    const params = new URLSearchParams(rawQuery);
    const expires = Number(params.get('X-Gust-Expires'));
    const given = params.get('X-Gust-Signature') ?? '';
    if (!Number.isSafeInteger(expires) || expires < this.now()) return false;
    const expected = this.mac(hash, expires);
    return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  }

  private mac(hash: string, expires: number): string {
    return createHmac('sha256', this.key).update(`code-location:${hash}:${expires}`).digest('hex');
  }
}
