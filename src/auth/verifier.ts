/**
 * The one verifier every API uses: it establishes who sent a request (an access key of an
 * account, a function's temporary credentials, or nobody on an open server) or raises an
 * AuthFailure saying why not, which each API renders in its own wire format.
 *
 * Modes (docs/security.md): with no access key in the store and a server that may run open
 * (bound to loopback, or started with --insecure-no-auth), nothing is checked, as before
 * this subsystem existed; once any key exists, or on a server that must not run open,
 * every request must carry a valid SigV4 signature (header or presigned query).
 * Checks, in AWS's order: a signature at all, its form, the key (or session token), the
 * signing time within 15 minutes (or the presigned URL's lifetime), the payload hash when
 * the body is at hand, then the signature itself; finally the caller's account must be
 * the server's, since resources are not yet kept per account.
 */
import { timingSafeEqual } from 'node:crypto';
import { AuthFailure, amzDate, parseAmzDate } from '../core/auth-failure.js';
import { readSessionToken, secretFor, type FunctionCredentialClaims } from '../core/function-credentials.js';
import type { Caller, Verified } from './caller.js';
import { computeSignature } from './sigv4-signature.js';
import { parseQuery, readSignature, type ParsedSignature } from './sigv4-parse.js';

/** How far a signing time may be from Gust's clock, as AWS allows. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** A request as the verifier reads it. */
export interface RequestToVerify {
  method: string;
  /** The path as sent (before any rewrite), percent-encoded, without the query. */
  path: string;
  /** The query as sent, without `?`. */
  rawQuery: string;
  /** A lower-case header's value (repeated headers joined by commas). */
  header(name: string): string | undefined;
  /** The body's SHA-256 (hex) when the edge read it whole; undefined for streamed bodies (S3's). */
  bodySha256: string | undefined;
}

export interface VerifierOptions {
  keys: {
    lookup(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined>;
    any(): Promise<boolean>;
  };
  /** The key that mints functions' credentials (core/function-credentials.ts). */
  functionCredentialsKey: Buffer;
  /** Whether a function's credentials still stand (the function exists, the same incarnation). */
  functionLive(claims: FunctionCredentialClaims): boolean;
  /** The server's own account: the one an open server's callers act in. */
  accountId: string;
  /** False on a server that must verify even with no keys (non-loopback without --insecure-no-auth). */
  mayRunOpen: boolean;
  now(): number;
}

export class RequestVerifier {
  constructor(private readonly options: VerifierOptions) {}

  /** Whether requests are verified now (any key exists, or the server may not run open). */
  async enforcing(): Promise<boolean> {
    this.lastEnforcing = !this.options.mayRunOpen || (await this.options.keys.any());
    return this.lastEnforcing;
  }

  /** What `enforcing` said last, for answers rendered synchronously (code locations). */
  enforcingNow(): boolean {
    return this.lastEnforcing ?? !this.options.mayRunOpen;
  }
  private lastEnforcing: boolean | undefined;

  /**
   * The checks that need no body (a signature at all, its form, the key, the time), for a
   * large body to be refused before it is read; `verify` makes them again with the rest.
   */
  async precheck(req: RequestToVerify): Promise<void> {
    await this.prelude(req);
  }

  /** The caller a request's signature establishes; it acts in its own account's resources. */
  async verify(req: RequestToVerify): Promise<Verified> {
    const pre = await this.prelude(req);
    if (pre.open) return { caller: pre.caller };
    const { parsed, query, caller, secretAccessKey } = pre;
    const accessKeyId = parsed.accessKeyId;
    const signedHeaders: Record<string, string> = {};
    for (const name of parsed.signedHeaders) {
      const value = req.header(name);
      if (value === undefined) throw new AuthFailure('signature', { accessKeyId });
      signedHeaders[name] = value;
    }
    if (signedHeaders.host === undefined) throw new AuthFailure('malformed', { accessKeyId });
    const declared = req.header('x-amz-content-sha256');
    const payloadHash = declared ?? (parsed.form === 'query' && parsed.service === 's3' ? UNSIGNED_PAYLOAD : req.bodySha256);
    if (payloadHash === undefined) throw new AuthFailure('signature', { accessKeyId });
    // A declared hash of a body the edge read whole must be that body's; S3's streamed
    // bodies are checked as they stream (auth/payload-checks.ts).
    if (declared !== undefined && /^[0-9a-f]{64}$/.test(declared) && req.bodySha256 !== undefined && declared !== req.bodySha256) {
      throw new AuthFailure('payload-hash', { accessKeyId, declaredSha256: declared, computedSha256: req.bodySha256 });
    }
    // The query the signature covers: a presigned one's without its signature (smithy skips it).
    const computed = await computeSignature(
      { method: req.method, path: req.path, query, headers: signedHeaders, host: signedHeaders.host, payloadHash, parsed, secretAccessKey },
      parsed.date!,
    );
    const a = Buffer.from(computed.signature);
    const b = Buffer.from(parsed.signature);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AuthFailure('signature', { accessKeyId });
    return {
      caller,
      signing: { longDate: parsed.date!, scope: parsed.scope, accessKeyId, signingKey: computed.signingKey, signature: parsed.signature, ...(declared === undefined ? {} : { declaredPayloadHash: declared }) },
    };
  }

  private async prelude(req: RequestToVerify): Promise<
    { open: true; caller: Caller } | { open: false; parsed: ParsedSignature; query: Map<string, string[]>; caller: Caller; secretAccessKey: string }
  > {
    const query = parseQuery(req.rawQuery);
    const found = readSignature(req.header, query);
    if (!(await this.enforcing())) {
      const accessKeyId = found.kind === 'sigv4' ? found.parsed.accessKeyId : found.kind === 'none' ? undefined : found.accessKeyId;
      return { open: true, caller: { accountId: this.options.accountId, kind: 'open', ...(accessKeyId === undefined ? {} : { accessKeyId }) } };
    }
    if (found.kind === 'none') throw new AuthFailure('missing');
    if (found.kind === 'sigv2') throw new AuthFailure('unsupported', found.accessKeyId === undefined ? {} : { accessKeyId: found.accessKeyId });
    if (found.kind === 'malformed' || !query) throw new AuthFailure('malformed', found.kind === 'malformed' && found.accessKeyId !== undefined ? { accessKeyId: found.accessKeyId } : {});
    const parsed = found.parsed;
    const accessKeyId = parsed.accessKeyId;
    const { caller, secretAccessKey } = await this.credentialsOf(parsed);

    const now = this.options.now();
    const signedAt = parseAmzDate(parsed.date);
    if (signedAt === undefined || !parsed.date!.startsWith(parsed.scopeDate)) throw new AuthFailure('malformed', { accessKeyId });
    const times = { accessKeyId, requestTime: parsed.date!, serverTime: amzDate(now) };
    if (parsed.form === 'query') {
      if (now > signedAt + parsed.expiresSeconds! * 1000) {
        const expiredAt = new Date(signedAt + parsed.expiresSeconds! * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        throw new AuthFailure('presign-expired', { ...times, expiresSeconds: parsed.expiresSeconds!, expiredAt });
      }
      if (signedAt - now > MAX_SKEW_MS) throw new AuthFailure('skew', times);
    } else if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
      throw new AuthFailure('skew', times);
    }
    return { open: false, parsed, query, caller, secretAccessKey };
  }

  /** The caller and secret behind a key id: a function's temporary key (with its token) or a stored key. */
  private async credentialsOf(parsed: ParsedSignature): Promise<{ caller: Caller; secretAccessKey: string }> {
    const accessKeyId = parsed.accessKeyId;
    if (parsed.sessionToken !== undefined) {
      const key = this.options.functionCredentialsKey;
      const claims = accessKeyId.startsWith('ASIA') ? readSessionToken(key, accessKeyId, parsed.sessionToken) : undefined;
      if (!claims || !this.options.functionLive(claims)) throw new AuthFailure('invalid-token', { accessKeyId });
      if (claims.expires <= this.options.now()) throw new AuthFailure('expired-token', { accessKeyId });
      const caller: Caller = { accountId: claims.account ?? this.options.accountId, accessKeyId, kind: 'function', functionArn: claims.function };
      return { caller, secretAccessKey: secretFor(key, accessKeyId, parsed.sessionToken) };
    }
    const found = await this.options.keys.lookup(accessKeyId);
    if (!found) throw new AuthFailure('unknown-key', { accessKeyId });
    return { caller: { accountId: found.accountId, accessKeyId, kind: 'key' }, secretAccessKey: found.secretAccessKey };
  }
}
