/**
 * Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts and ListMultipartUploads.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
 */
import type { FastifyReply } from 'fastify';
import { InvalidArgument, MalformedXML } from '../../core/s3-errors.js';
import { byteRange } from '../../control/s3/object-reads.js';
import { copySource } from './object-routes.js';
import { requestBody } from './request-body.js';
import { header, objectAttributes, pageSize, smallBody, type S3Request } from './s3-request.js';
import { items, parseXml, text, xmlDocument } from './s3-xml.js';

function xml(reply: FastifyReply, body: string): FastifyReply {
  return reply.status(200).header('content-type', 'application/xml').send(body);
}

const uploadId = (req: S3Request) => req.query.get('uploadId') ?? '';

export async function createMultipartUpload(req: S3Request): Promise<FastifyReply> {
  const upload = await req.ctx.multipart.create(req.account, req.bucket, req.key, objectAttributes(req));
  return xml(req.reply, xmlDocument('InitiateMultipartUploadResult', { Bucket: req.bucket, Key: req.key, UploadId: upload.uploadId }));
}

export async function uploadPart(req: S3Request): Promise<FastifyReply> {
  const partNumber = Number(req.query.get('partNumber'));
  if (header(req, 'x-amz-copy-source') !== undefined) {
    const source = await req.ctx.service.object(req.account, copySource(req).bucket, copySource(req).key);
    const rangeHeader = header(req, 'x-amz-copy-source-range');
    const range = rangeHeader === undefined ? undefined : byteRange(rangeHeader, source.size);
    if (rangeHeader !== undefined && range === undefined) throw new InvalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 'x-amz-copy-source-range', rangeHeader);
    const part = await req.ctx.multipart.uploadPart(req.account, req.bucket, req.key, uploadId(req), partNumber, req.ctx.service.read(source, range), {}, false);
    return xml(req.reply, xmlDocument('CopyPartResult', { LastModified: new Date(part.lastModified).toISOString(), ETag: part.etag }));
  }
  const { body, checks, wantsCrc32c } = requestBody(req.request.raw, req.request.signing);
  const part = await req.ctx.multipart.uploadPart(req.account, req.bucket, req.key, uploadId(req), partNumber, body, checks, wantsCrc32c);
  return req.reply.status(200).header('etag', part.etag).send();
}

export async function completeMultipartUpload(req: S3Request): Promise<FastifyReply> {
  const doc = parseXml(await smallBody(req), 'CompleteMultipartUpload');
  const parts = items(doc, 'Part').map((p) => {
    const number = Number(text(p, 'PartNumber'));
    const etag = text(p, 'ETag');
    if (!Number.isInteger(number) || etag === undefined) throw new MalformedXML();
    return { partNumber: number, etag };
  });
  const object = await req.ctx.multipart.complete(req.account, req.bucket, req.key, uploadId(req), parts, req.info);
  return xml(req.reply, xmlDocument('CompleteMultipartUploadResult', { Location: `/${req.bucket}/${req.key}`, Bucket: req.bucket, Key: req.key, ETag: object.etag }));
}

export async function abortMultipartUpload(req: S3Request): Promise<FastifyReply> {
  await req.ctx.multipart.abort(req.account, req.bucket, req.key, uploadId(req));
  return req.reply.status(204).send();
}

/** ListParts: the parts after `part-number-marker`, `max-parts` of them (an upload has at most 10,000). */
export async function listParts(req: S3Request): Promise<FastifyReply> {
  const max = pageSize(req, 'max-parts');
  const markerRaw = req.query.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerRaw)) throw new InvalidArgument('Provided part-number-marker not an integer or within integer range', 'part-number-marker', markerRaw);
  const marker = Number(markerRaw);
  const after = (await req.ctx.multipart.parts(req.account, req.bucket, req.key, uploadId(req))).filter((p) => p.partNumber > marker);
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  return xml(req.reply, xmlDocument('ListPartsResult', {
    Bucket: req.bucket,
    Key: req.key,
    UploadId: uploadId(req),
    PartNumberMarker: marker,
    ...(truncated ? { NextPartNumberMarker: page.at(-1)!.partNumber } : {}),
    MaxParts: max,
    IsTruncated: truncated,
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: new Date(p.lastModified).toISOString(), ETag: p.etag, Size: p.size })),
  }));
}

/** ListMultipartUploads: by key, then initiation; `prefix`, and paging by `key-marker` and `upload-id-marker`. */
export async function listMultipartUploads(req: S3Request): Promise<FastifyReply> {
  const max = pageSize(req, 'max-uploads');
  const prefix = req.query.get('prefix') ?? '';
  const keyMarker = req.query.get('key-marker') ?? '';
  const idMarker = req.query.get('upload-id-marker') ?? '';
  const all = (await req.ctx.multipart.uploads(req.account, req.bucket)).filter((u) => u.key.startsWith(prefix));
  // With an upload-id-marker, uploads of the marker key after that one; else keys after the marker.
  const markerAt = idMarker === '' ? -1 : all.findIndex((u) => u.key === keyMarker && u.uploadId === idMarker);
  const after = all.filter((u, i) => (markerAt >= 0 ? i > markerAt : keyMarker === '' || u.key > keyMarker));
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  const last = page.at(-1);
  return xml(req.reply, xmlDocument('ListMultipartUploadsResult', {
    Bucket: req.bucket,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    ...(truncated && last ? { NextKeyMarker: last.key, NextUploadIdMarker: last.uploadId } : {}),
    ...(prefix === '' ? {} : { Prefix: prefix }),
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: page.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiated: new Date(u.initiatedAt).toISOString(), StorageClass: 'STANDARD' })),
  }));
}
