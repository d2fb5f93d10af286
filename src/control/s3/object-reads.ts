/**
 * What a GET or HEAD of an object decides before any byte goes out: whether its
 * conditional headers let it through (RFC 9110's order, as S3 applies it), and which
 * bytes a `Range` header asks for.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 */
import type { ObjectRecord } from '../../core/model/buckets.js';
import { InvalidRange, NotModified, PreconditionFailed } from '../../core/s3-errors.js';

export interface Conditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

function etagIn(list: string, etag: string): boolean {
  return list.split(',').some((e) => e.trim() === '*' || unquote(e) === unquote(etag));
}

/** HTTP dates have second precision: an object modified within the same second is not newer. */
const seconds = (ms: number) => Math.floor(ms / 1000);

/** Throws PreconditionFailed (412) or NotModified (304) when the conditions say so. */
export function checkConditions(object: ObjectRecord, c: Conditions): void {
  const since = (v: string | undefined) => (v === undefined || Number.isNaN(Date.parse(v)) ? undefined : seconds(Date.parse(v)));
  const modified = seconds(object.lastModified);
  if (c.ifMatch !== undefined) {
    if (!etagIn(c.ifMatch, object.etag)) throw new PreconditionFailed('If-Match');
  } else {
    const unmodifiedSince = since(c.ifUnmodifiedSince);
    if (unmodifiedSince !== undefined && modified > unmodifiedSince) throw new PreconditionFailed('If-Unmodified-Since');
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagIn(c.ifNoneMatch, object.etag)) throw new NotModified();
  } else {
    const modifiedSince = since(c.ifModifiedSince);
    if (modifiedSince !== undefined && modified <= modifiedSince) throw new NotModified();
  }
}

/**
 * The inclusive byte range a `Range: bytes=…` header asks of an object of `size` bytes;
 * undefined for the whole object (no header, or one S3 ignores: another unit, several
 * ranges, a malformed one). Throws InvalidRange when no byte of it exists.
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new InvalidRange(header, size);
    return size === 0 ? undefined : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) throw new InvalidRange(header, size);
  return { start, end };
}
