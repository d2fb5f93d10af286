/**
 * The signature a request should carry, computed with @smithy/signature-v4, the signer
 * inside the AWS SDKs: its canonical request (path escaping per service, query encoding and
 * order, header normalisation), its string to sign and its signing-key derivation (with
 * the SDK's cache of derived keys), so that Gust builds them exactly as clients do. The
 * signer's canonical-request and string-to-sign steps are protected members of its class;
 * a subclass exposes them, since Gust checks a signature over the request as it arrived
 * rather than signing a request of its own. The final HMAC is Node's.
 * The signer is loaded at the first signed request: it adds ~150 ms to the start-up of a
 * server that may never see one.
 */
import { createHmac } from 'node:crypto';
import type { ParsedSignature } from './sigv4-parse.js';

type SignerModule = typeof import('@smithy/signature-v4');
type HttpRequestLike = Parameters<InstanceType<SignerModule['SignatureV4']>['presign']>[0];

interface Canonicaliser {
  canonicalRequest(request: HttpRequestLike, headers: Record<string, string>, payloadHash: string): string;
  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string>;
}

interface Loaded {
  signingKey: SignerModule['getSigningKey'];
  canonicalHeaders: SignerModule['getCanonicalHeaders'];
  sha256: typeof import('@smithy/core/checksum').Sha256;
  /** One per path-escaping rule: S3 signs the path as sent, every other service escapes it again. */
  byEscaping: Map<boolean, Canonicaliser>;
}

let loading: Promise<Loaded> | undefined;

function load(): Promise<Loaded> {
  loading ??= (async () => {
    const [smithy, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/core/checksum')]);
    class Exposed extends smithy.SignatureV4 implements Canonicaliser {
      canonicalRequest(request: HttpRequestLike, headers: Record<string, string>, payloadHash: string): string {
        return this.createCanonicalRequest(request, headers, payloadHash);
      }
      stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
        return this.createStringToSign(longDate, scope, canonicalRequest, 'AWS4-HMAC-SHA256');
      }
    }
    // Credentials, region and service are not used by the two exposed steps.
    const make = (uriEscapePath: boolean) => new Exposed({ credentials: { accessKeyId: '', secretAccessKey: '' }, region: '', service: '', sha256: Sha256, uriEscapePath, applyChecksum: false });
    return { signingKey: smithy.getSigningKey, canonicalHeaders: smithy.getCanonicalHeaders, sha256: Sha256, byEscaping: new Map([[true, make(true)], [false, make(false)]]) };
  })();
  return loading;
}

export interface SignatureInput {
  method: string;
  /** The path as it was sent, still percent-encoded. */
  path: string;
  /** The query, decoded (the signer encodes it again, canonically). */
  query: Map<string, string[]>;
  /** The signed headers' values, lower-case names. */
  headers: Record<string, string>;
  host: string;
  payloadHash: string;
  parsed: ParsedSignature;
  secretAccessKey: string;
}

export interface ComputedSignature {
  signature: string;
  signingKey: Uint8Array;
  longDate: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** What the request's signature must be for the secret given. */
export async function computeSignature(input: SignatureInput, longDate: string): Promise<ComputedSignature> {
  const loaded = await load();
  const { parsed } = input;
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of input.query) query[k] = v.length === 1 ? v[0]! : v;
  const request: HttpRequestLike = { method: input.method, protocol: 'http:', hostname: input.host, path: input.path, query, headers: input.headers };
  const headers = loaded.canonicalHeaders(request, undefined, new Set(Object.keys(input.headers)));
  const signer = loaded.byEscaping.get(parsed.service !== 's3')!;
  const canonicalRequest = signer.canonicalRequest(request, headers, input.payloadHash);
  const stringToSign = await signer.stringToSign(longDate, parsed.scope, canonicalRequest);
  const signingKey = await loaded.signingKey(loaded.sha256, { accessKeyId: parsed.accessKeyId, secretAccessKey: input.secretAccessKey }, parsed.scopeDate, parsed.region, parsed.service);
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return { signature, signingKey, longDate, canonicalRequest, stringToSign };
}
