/**
 * Verifies the AWS Signature Version 4 of a request to an AWS_IAM function URL
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html): the Authorization header
 * names a configured access key and the scope `<date>/<region>/lambda/aws4_request`, and
 * the signature must equal the one Gust computes over the same signed headers, path,
 * query and body. Gust recomputes it with @smithy/signature-v4, the signer the AWS SDKs
 * use, so that the canonical request is built exactly as clients build it.
 * Query-string (presigned) signatures are not accepted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import { parseQuery } from '../../auth/sigv4-parse.js';
import { joinHeaders } from './url-event.js';
import type { UrlRequest } from './url-request.js';

/** An access key a function URL accepts. */
export interface UrlCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface VerifyOptions {
  credentials: readonly UrlCredential[];
  region: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/** How far a signature's time may be from Gust's clock, as AWS allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9\-;.]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

type SignableRequest = Parameters<SignatureV4['presign']>[0];

/**
 * The signer and its hash, loaded at the first AWS_IAM request: together they add ~150 ms
 * to the start-up of a server that may never see one.
 */
let signerModules: Promise<[typeof import('@smithy/signature-v4'), typeof import('@smithy/core/checksum')]> | undefined;
function loadSigner() {
  signerModules ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/core/checksum')]);
  return signerModules;
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value === undefined ? null : AMZ_DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** The query as the signer reads it: decoded keys and values, repeats as lists. */
function signerQuery(raw: string): Record<string, string | string[]> | undefined {
  const parsed = parseQuery(raw);
  if (!parsed) return undefined;
  return Object.fromEntries([...parsed].map(([key, values]) => [key, values.length === 1 ? values[0]! : values]));
}

function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The access key whose signature the request carries, or undefined when the request is
 * unsigned, signed with an unknown key, for another region or service, too far from now,
 * or signed wrongly.
 */
export async function verifySigV4(req: UrlRequest, options: VerifyOptions): Promise<string | undefined> {
  const headers = joinHeaders(req.rawHeaders);
  const auth = AUTH_RE.exec(headers.get('authorization') ?? '');
  if (!auth) return undefined;
  const [, accessKeyId, scopeDate, scopeRegion, scopeService, signedList, signature] = auth as unknown as string[];
  const credential = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credential || scopeRegion !== options.region || scopeService !== 'lambda') return undefined;

  const amzDate = headers.get('x-amz-date');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate!.startsWith(scopeDate!) || Math.abs(options.now - signingDate.getTime()) > MAX_SKEW_MS) return undefined;

  const signed = signedList!.split(';');
  if (!signed.includes('host')) return undefined;
  const signedHeaders: Record<string, string> = {};
  for (const name of signed) {
    const value = headers.get(name);
    if (value === undefined) return undefined;
    signedHeaders[name] = value;
  }
  // A declared payload hash is what the signature covers: it must be the body's.
  const declared = signedHeaders['x-amz-content-sha256'];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256Hex(req.body)) return undefined;

  const query = signerQuery(req.rawQueryString);
  if (!query) return undefined;
  const request: SignableRequest = {
    method: req.method,
    protocol: 'http:',
    hostname: signedHeaders.host!.replace(/:\d+$/, ''),
    path: req.signedPath,
    query,
    headers: signedHeaders,
    body: req.body,
  };
  const [{ SignatureV4 }, { Sha256 }] = await loadSigner();
  const signer = new SignatureV4({ credentials: credential, region: options.region, service: 'lambda', sha256: Sha256, applyChecksum: false, uriEscapePath: true });
  const expected = await signer.sign(request, { signingDate, signableHeaders: new Set(signed) });
  const computed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization ?? ''))?.[1];
  if (computed === undefined) return undefined;
  return timingSafeEqual(Buffer.from(computed), Buffer.from(signature!)) ? accessKeyId : undefined;
}
