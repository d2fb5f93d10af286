/**
 * The object operations: PutObject, GetObject, HeadObject, CopyObject, DeleteObject,
 * DeleteObjects and object tagging. Each parses S3's headers and query, calls the object
 * service, and answers with S3's headers (ETag, Last-Modified, metadata, checksums).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 */
import type { FastifyReply } from 'fastify';
import type { ObjectRecord } from '../../core/model/buckets.js';
import { InvalidArgument, MalformedXML, S3Error } from '../../core/s3-errors.js';
import { byteRange, checkConditions } from '../../control/s3/object-reads.js';
import { requestBody } from './request-body.js';
import { decode, header, objectAttributes, smallBody, type S3Request } from './s3-request.js';
import { items, parseTagging, parseXml, tagSet, text, xmlDocument } from './s3-xml.js';

const httpDate = (ms: number) => new Date(ms).toUTCString();
const isoDate = (ms: number) => new Date(ms).toISOString();

/** `response-*` query parameters of a GET, and the header each overrides. */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

function xml(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status).header('content-type', 'application/xml').send(body);
}

export async function putObject(req: S3Request): Promise<FastifyReply> {
  const { body, checks, wantsCrc32c } = requestBody(req.request.raw, req.request.signing);
  const object = await req.ctx.service.putObject(req.account, req.bucket, req.key, body, objectAttributes(req), checks, { ...req.info, wantsCrc32c });
  req.reply.header('etag', object.etag);
  for (const [algorithm, value] of Object.entries(object.checksums)) req.reply.header(`x-amz-checksum-${algorithm}`, value);
  return req.reply.status(200).send();
}

/** The headers GET and HEAD answer with, overrides applied; checksums only for the whole object (they are of the whole). */
function objectHeaders(req: S3Request, object: ObjectRecord, whole: boolean): void {
  const r = req.reply;
  r.header('etag', object.etag).header('last-modified', httpDate(object.lastModified)).header('accept-ranges', 'bytes').header('content-type', object.contentType);
  for (const [name, value] of Object.entries(object.headers)) r.header(name, value);
  for (const [name, value] of Object.entries(object.metadata)) r.header(`x-amz-meta-${name}`, value);
  const tagCount = Object.keys(object.tags).length;
  if (tagCount > 0) r.header('x-amz-tagging-count', String(tagCount));
  if (whole && (header(req, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED') {
    for (const [algorithm, value] of Object.entries(object.checksums)) r.header(`x-amz-checksum-${algorithm}`, value);
  }
  for (const [param, name] of Object.entries(OVERRIDES)) {
    const v = req.query.get(param);
    if (v !== null) r.header(name, v);
  }
}

async function readObject(req: S3Request, head: boolean): Promise<FastifyReply> {
  const object = await req.ctx.service.object(req.account, req.bucket, req.key);
  checkConditions(object, {
    ifMatch: header(req, 'if-match'),
    ifNoneMatch: header(req, 'if-none-match'),
    ifModifiedSince: header(req, 'if-modified-since'),
    ifUnmodifiedSince: header(req, 'if-unmodified-since'),
  });
  const range = byteRange(header(req, 'range'), object.size);
  objectHeaders(req, object, range === undefined);
  if (range) {
    req.reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${object.size}`).header('content-length', String(range.end - range.start + 1));
  } else {
    req.reply.status(200).header('content-length', String(object.size));
  }
  if (head || object.size === 0) return req.reply.send();
  return req.reply.send(req.ctx.service.read(object, range));
}

export const getObject = (req: S3Request) => readObject(req, false);
export const headObject = (req: S3Request) => readObject(req, true);

/** `x-amz-copy-source: /bucket/key` or `bucket/key`, URL-encoded, maybe with `?versionId=`. */
export function copySource(req: S3Request): { bucket: string; key: string } {
  const raw = header(req, 'x-amz-copy-source') ?? '';
  const path = decode(raw.split('?')[0]!, 'x-amz-copy-source').replace(/^\//, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new InvalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', raw);
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

export async function copyObject(req: S3Request): Promise<FastifyReply> {
  const replace = (header(req, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase() === 'REPLACE' ? objectAttributes(req) : undefined;
  const object = await req.ctx.service.copyObject(req.account, copySource(req), req.bucket, req.key, replace, req.info);
  return xml(req.reply, xmlDocument('CopyObjectResult', { LastModified: isoDate(object.lastModified), ETag: object.etag }));
}

export async function deleteObject(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.deleteObject(req.account, req.bucket, req.key, req.info);
  return req.reply.status(204).send();
}

export async function deleteObjects(req: S3Request): Promise<FastifyReply> {
  const doc = parseXml(await smallBody(req), 'Delete');
  const quiet = text(doc, 'Quiet') === 'true';
  const keys = items(doc, 'Object').map((o) => text(o, 'Key'));
  if (keys.length === 0 || keys.length > 1000 || keys.some((k) => k === undefined)) throw new MalformedXML();
  // A bucket that is missing or not the caller's refuses the whole request, not each key.
  await req.ctx.service.bucket(req.account, req.bucket);
  const deleted: unknown[] = [];
  const errors: unknown[] = [];
  for (const key of keys as string[]) {
    try {
      await req.ctx.service.deleteObject(req.account, req.bucket, key, req.info);
      if (!quiet) deleted.push({ Key: key });
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      errors.push({ Key: key, Code: err.awsType, Message: err.message });
    }
  }
  return xml(req.reply, xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
}

export async function getObjectTagging(req: S3Request): Promise<FastifyReply> {
  const object = await req.ctx.service.object(req.account, req.bucket, req.key);
  return xml(req.reply, xmlDocument('Tagging', tagSet(object.tags)));
}

export async function putObjectTagging(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.setObjectTags(req.account, req.bucket, req.key, parseTagging(await smallBody(req)), req.info);
  return req.reply.status(200).send();
}

export async function deleteObjectTagging(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.setObjectTags(req.account, req.bucket, req.key, undefined, req.info);
  return req.reply.status(204).send();
}
