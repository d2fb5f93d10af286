/**
 * One S3 request as the route modules see it: the bucket and key (path-style, or
 * virtual-hosted-style rewritten to path-style by the plugin), the query, the request id
 * and who sent it, and small helpers to read headers and the rest of a body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestInfo } from '../../control/s3/bucket-objects.js';
import type { MultipartService } from '../../control/s3/multipart-service.js';
import type { S3Service } from '../../control/s3/s3-service.js';
import { EntityTooLarge, InvalidArgument } from '../../core/s3-errors.js';
import { declaresBodyHash, hashChecked } from '../../auth/payload-checks.js';
import type { ObjectAttributes } from '../../control/s3/s3-service.js';

/** What the S3 plugin needs. */
export interface S3ApiContext {
  service: S3Service;
  multipart: MultipartService;
  region: string;
  /** The server's own account: it acts for requests with no caller (an open server). */
  accountId: string;
}

export interface S3Request {
  ctx: S3ApiContext;
  request: FastifyRequest;
  reply: FastifyReply;
  bucket: string;
  key: string;
  query: URLSearchParams;
  info: RequestInfo;
  /** The account acting: the caller's; it may use only its own buckets. */
  account: string;
}

/** A request header's first value. */
export function header(req: S3Request, name: string): string | undefined {
  const v = req.request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Small XML bodies (tagging, notification, delete, complete): read whole, within 1 MiB (DeleteObjects' 1,000 keys fit). */
export async function smallBody(req: S3Request): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  const raw = req.request.raw as AsyncIterable<Buffer>;
  const declared = req.request.signing?.declaredPayloadHash;
  const body = req.request.signing && declaresBodyHash(declared) ? hashChecked(raw, declared, req.request.signing.accessKeyId) : raw;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new EntityTooLarge();
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** Headers S3 stores with an object and gives back on GET. */
const STORED_HEADERS = ['content-encoding', 'content-disposition', 'cache-control', 'content-language', 'expires'];

/** The object attributes a PutObject, CopyObject (REPLACE) or CreateMultipartUpload sends as headers. */
export function objectAttributes(req: S3Request): ObjectAttributes {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const v = header(req, name);
    // aws-chunked is how the body travelled, not how the object is encoded.
    const stored = name === 'content-encoding' ? v?.split(',').map((e) => e.trim()).filter((e) => e !== 'aws-chunked').join(', ') : v;
    if (stored) headers[name] = stored;
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.request.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  const tagging = header(req, 'x-amz-tagging');
  const tags = tagging ? Object.fromEntries(new URLSearchParams(tagging)) : {};
  return { contentType: header(req, 'content-type'), headers, metadata, tags };
}

/** Percent-decoding that answers a malformed escape as S3 does, not with a URIError. */
/** A page size parameter (`max-keys`, `max-parts`, `max-uploads`): 1,000 when absent, at most 1,000, S3's error when not a number. */
export function pageSize(req: S3Request, param: 'max-keys' | 'max-parts' | 'max-uploads'): number {
  const raw = req.query.get(param);
  if (raw === null) return 1000;
  if (!/^\d+$/.test(raw)) throw new InvalidArgument(`Provided ${param} not an integer or within integer range`, param, raw);
  return Math.min(Number(raw), 1000);
}

export function decode(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new InvalidArgument(`The ${what} is not validly percent-encoded.`, what, value.slice(0, 64));
  }
}
