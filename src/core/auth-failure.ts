/**
 * Why a request's caller could not be established or may not act. The verifier
 * (src/auth/) raises one AuthFailure for every API; each API turns it into its own error in
 * its own wire format (`UnrecognizedClientException` for the Lambda and EventBridge APIs,
 * `InvalidClientTokenId` for SQS, `InvalidAccessKeyId` for S3, …) where it renders every
 * other error, so that the verifier knows nothing of wire formats.
 */

export type AuthReason =
  /** No signature at all on an API that needs one. */
  | 'missing'
  /** An Authorization header or presigned query that is not a well-formed SigV4 one. */
  | 'malformed'
  /** A signature scheme Gust does not verify (S3's SigV2). */
  | 'unsupported'
  /** No access key has this id. */
  | 'unknown-key'
  /** A session token that Gust did not mint for this key, or one of a deleted function. */
  | 'invalid-token'
  /** A session token past its expiry. */
  | 'expired-token'
  /** The signature is not the one the key's secret gives. */
  | 'signature'
  /** The signing time is more than 15 minutes from Gust's clock. */
  | 'skew'
  /** A presigned URL past its X-Amz-Expires. */
  | 'presign-expired'
  /** The body's SHA-256 is not the x-amz-content-sha256 the signature covers. */
  | 'payload-hash';

/** What the renderers may quote (S3 puts them in its error document). */
export interface AuthFailureDetails {
  accessKeyId?: string;
  /** The signing time, as the request gave it (`20261204T053000Z`). */
  requestTime?: string;
  /** Gust's time, same form. */
  serverTime?: string;
  /** A presigned URL's X-Amz-Expires, in seconds. */
  expiresSeconds?: number;
  /** When a presigned URL expired, ISO 8601 (`2026-12-04T05:31:00Z`). */
  expiredAt?: string;
  /** For payload-hash: what the client declared and what Gust computed. */
  declaredSha256?: string;
  computedSha256?: string;
}

export class AuthFailure extends Error {
  constructor(
    readonly reason: AuthReason,
    readonly details: AuthFailureDetails = {},
  ) {
    super(`authentication failed: ${reason}`);
    this.name = 'AuthFailure';
  }
}

/** `20261204T053000Z`: SigV4's basic ISO 8601 form. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The instant an `X-Amz-Date` names, or undefined when it is not one. */
export function parseAmzDate(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t) ? undefined : t;
}

const FIFTEEN_MIN = 15 * 60 * 1000;

/** AWS's words for a signing time out of the window, on its JSON and query APIs. */
export function signatureExpiredMessage(details: AuthFailureDetails): string {
  const request = parseAmzDate(details.requestTime) ?? 0;
  const server = parseAmzDate(details.serverTime) ?? 0;
  return request < server
    ? `Signature expired: ${details.requestTime} is now earlier than ${amzDate(server - FIFTEEN_MIN)} (${details.serverTime} - 15 min.)`
    : `Signature not yet current: ${details.requestTime} is still later than ${amzDate(server + FIFTEEN_MIN)} (${details.serverTime} + 15 min.)`;
}

/** The message AWS's JSON and query APIs give a signature that does not match. */
export const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
/** The message of an unknown access key or an invalid session token, on the JSON and query APIs. */
export const INVALID_TOKEN = 'The security token included in the request is invalid.';
/** And of an expired session token. */
export const EXPIRED_TOKEN = 'The security token included in the request is expired';
