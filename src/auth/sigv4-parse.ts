/**
 * Reads a SigV4 signature out of a request: the `Authorization: AWS4-HMAC-SHA256 …` header
 * or a presigned query's `X-Amz-*` parameters, into one shape. Recognises S3's SigV2 forms
 * (which Gust does not verify) and unsigned requests, so the verifier can say which it met.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */

export interface ParsedSignature {
  form: 'header' | 'query';
  accessKeyId: string;
  /** `<date>/<region>/<service>/aws4_request` */
  scope: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (or, for the header form without it, the Date header), as sent. */
  date: string | undefined;
  /** The presigned URL's lifetime in seconds. */
  expiresSeconds?: number;
  sessionToken: string | undefined;
}

export type SignatureKind = { kind: 'none' } | { kind: 'sigv2'; accessKeyId: string | undefined } | { kind: 'malformed'; accessKeyId: string | undefined } | { kind: 'sigv4'; parsed: ParsedSignature };

const HEADER_RE = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const CREDENTIAL_RE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/** The query's parameters, decoded once; undefined when an escape is malformed. */
export function parseQuery(raw: string): Map<string, string[]> | undefined {
  const query = new Map<string, string[]>();
  if (raw === '') return query;
  try {
    for (const pair of raw.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      const seen = query.get(key);
      if (seen) seen.push(value);
      else query.set(key, [value]);
    }
  } catch {
    return undefined;
  }
  return query;
}

function credential(raw: string): Pick<ParsedSignature, 'accessKeyId' | 'scope' | 'scopeDate' | 'region' | 'service'> | undefined {
  const m = CREDENTIAL_RE.exec(raw);
  if (!m) return undefined;
  const [, accessKeyId, scopeDate, region, service] = m as unknown as [string, string, string, string, string];
  return { accessKeyId, scope: `${scopeDate}/${region}/${service}/aws4_request`, scopeDate, region, service };
}

/** Which signature a request carries; `header(name)` gives a lower-case header's value. */
export function readSignature(header: (name: string) => string | undefined, query: Map<string, string[]> | undefined): SignatureKind {
  const auth = header('authorization');
  const q = (name: string) => query?.get(name)?.[0];
  if (auth !== undefined) {
    if (auth.startsWith('AWS ')) return { kind: 'sigv2', accessKeyId: /^AWS ([^:\s]+):/.exec(auth)?.[1] };
    const m = HEADER_RE.exec(auth);
    const cred = m ? credential(m[1]!) : undefined;
    if (!m || !cred) return { kind: 'malformed', accessKeyId: /Credential=([^/,\s]+)/.exec(auth)?.[1] };
    return {
      kind: 'sigv4',
      parsed: { form: 'header', ...cred, signedHeaders: m[2]!.split(';'), signature: m[3]!, date: header('x-amz-date') ?? header('date'), sessionToken: header('x-amz-security-token') },
    };
  }
  if (q('X-Amz-Algorithm') !== undefined || q('X-Amz-Signature') !== undefined) {
    const cred = credential(q('X-Amz-Credential') ?? '');
    const signature = q('X-Amz-Signature') ?? '';
    const expires = Number(q('X-Amz-Expires'));
    if (q('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !cred || !/^[0-9a-f]{64}$/.test(signature) || !Number.isInteger(expires) || expires < 1 || expires > 604_800) {
      return { kind: 'malformed', accessKeyId: cred?.accessKeyId };
    }
    return {
      kind: 'sigv4',
      parsed: { form: 'query', ...cred, signedHeaders: (q('X-Amz-SignedHeaders') ?? 'host').split(';'), signature, date: q('X-Amz-Date'), expiresSeconds: expires, sessionToken: q('X-Amz-Security-Token') },
    };
  }
  if (q('AWSAccessKeyId') !== undefined && q('Signature') !== undefined) return { kind: 'sigv2', accessKeyId: q('AWSAccessKeyId') };
  return { kind: 'none' };
}
