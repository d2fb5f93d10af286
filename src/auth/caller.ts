/**
 * Who sent a request, as the verifier established it and later layers read it (the audit
 * log today; per-account resources in a later step).
 */

export interface Caller {
  /** The account the request acts in. */
  accountId: string;
  /** The access key that signed it; absent for an unsigned request on an open server. */
  accessKeyId?: string;
  /**
   * `key`: an operator-made access key; `function`: a function's temporary credentials;
   * `open`: an open server (no keys) that checked nothing.
   */
  kind: 'key' | 'function' | 'open';
  /** For `function`: the function whose credentials signed. */
  functionArn?: string;
}

/** What a verified SigV4 request leaves for checking its body (S3's streamed bodies and chunk signatures). */
export interface SigningContext {
  /** The request's signing time, `20261204T053000Z`. */
  longDate: string;
  /** `<date>/<region>/<service>/aws4_request`. */
  scope: string;
  signingKey: Uint8Array;
  /** The request's own signature: the seed of an aws-chunked body's chain. */
  signature: string;
  /** The key that signed, for the errors of later checks. */
  accessKeyId?: string;
  /** x-amz-content-sha256 as sent (a hex hash, UNSIGNED-PAYLOAD or a STREAMING- form), if any. */
  declaredPayloadHash?: string;
}

/** The result of verifying a request. */
export interface Verified {
  caller: Caller;
  /** Present when a signature was checked. */
  signing?: SigningContext;
}
