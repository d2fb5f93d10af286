/**
 * The S3 API on Gust's port. S3 shares the path space with the other APIs (a bucket named
 * like a Lambda API date would collide), so the plugin claims S3 requests by what only
 * they carry and rewrites them under `/__s3/<bucket>/<key>`:
 * - a host `<bucket>.s3.<region>.localhost` (virtual-hosted style) or `s3.<region>.localhost`;
 * - a SigV4 credential scope for the `s3` service, in the Authorization header or in a
 *   presigned URL's `X-Amz-Credential` (other SDKs send `x-amz-content-sha256` too, so
 *   that header says nothing);
 * - S3's signature version 2, which only S3 still takes: `Authorization: AWS <key>:<sig>`,
 *   or a query with `AWSAccessKeyId` and `Signature` (boto3 1.26 presigns S3 URLs so).
 * The operation is chosen by method, bucket/key and subresource (`?tagging`, `?uploads`, …)
 * in one table, and every error is rendered here as S3's XML `<Error>`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IncompleteBody, InternalError, MethodNotAllowed, NotImplemented, S3Error, S3ServiceUnavailable, s3AuthError } from '../../core/s3-errors.js';
import { ServiceUnavailable } from '../../core/errors.js';
import { AuthFailure } from '../../core/auth-failure.js';
import { headerOf } from '../edge-auth.js';
import type { HttpPlugin } from '../server.js';
import * as buckets from './bucket-routes.js';
import * as multipart from './multipart-routes.js';
import * as objects from './object-routes.js';
import { decode, header, type S3ApiContext, type S3Request } from './s3-request.js';
import { xmlErrorDocument } from './s3-xml.js';

export type { S3ApiContext } from './s3-request.js';

const PREFIX = '/__s3';
const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]*[a-z0-9])\.s3(?:[.-][a-z0-9-]+)*\.localhost(?::\d+)?$/i;
const PATH_HOST = /^s3(?:[.-][a-z0-9-]+)*\.localhost(?::\d+)?$/i;
const S3_SCOPE = /\/s3\/aws4_request/;
const V2_HEADER = /^AWS [^\s:]+:/;
const V2_QUERY = /[?&]AWSAccessKeyId=[^&]+.*&Signature=|[?&]Signature=[^&]+.*&AWSAccessKeyId=/;

/** The path-style URL of an S3 request, or undefined when the request is not one. */
export function s3Url(req: IncomingMessage): string | undefined {
  const url = req.url ?? '/';
  const host = req.headers.host ?? '';
  const virtual = VIRTUAL_HOST.exec(host);
  if (virtual && !PATH_HOST.test(host)) return `${PREFIX}/${virtual[1]!.toLowerCase()}${url.startsWith('/') ? url : `/${url}`}`;
  const auth = req.headers.authorization ?? '';
  const query = url.includes('?') ? decodeSafely(url.slice(url.indexOf('?'))) : '';
  if (PATH_HOST.test(host) || S3_SCOPE.test(auth) || S3_SCOPE.test(query) || V2_HEADER.test(auth) || V2_QUERY.test(url)) {
    return `${PREFIX}${url.startsWith('/') ? url : `/${url}`}`;
  }
  return undefined;
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

type Handler = (req: S3Request) => Promise<FastifyReply>;

/** The operation a request names, by method, target (service, bucket, object) and subresource. */
function route(method: string, target: 'service' | 'bucket' | 'object', q: URLSearchParams, req: S3Request): Handler {
  const has = (name: string) => q.has(name);
  if (target === 'service') {
    if (method === 'GET') return buckets.listBuckets;
    throw new MethodNotAllowed();
  }
  if (target === 'bucket') {
    const unsupported = ['acl', 'policy', 'cors', 'lifecycle', 'website', 'replication', 'encryption', 'logging', 'versions', 'object-lock', 'accelerate', 'requestPayment', 'ownershipControls', 'publicAccessBlock'].find(has);
    if (unsupported) throw new NotImplemented(`?${unsupported}`);
    switch (method) {
      case 'PUT':
        if (has('tagging')) return buckets.putBucketTagging;
        if (has('notification')) return buckets.putNotificationConfiguration;
        return buckets.createBucket;
      case 'GET':
        if (has('tagging')) return buckets.getBucketTagging;
        if (has('notification')) return buckets.getNotificationConfiguration;
        if (has('uploads')) return multipart.listMultipartUploads;
        if (has('location')) return buckets.getBucketLocation;
        if (has('versioning')) return async (r) => r.reply.status(200).header('content-type', 'application/xml').send('<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
        return buckets.listObjects;
      case 'HEAD':
        return buckets.headBucket;
      case 'DELETE':
        if (has('tagging')) return buckets.deleteBucketTagging;
        return buckets.deleteBucket;
      case 'POST':
        if (has('delete')) return objects.deleteObjects;
    }
    throw new MethodNotAllowed();
  }
  switch (method) {
    case 'PUT':
      if (has('uploadId') && has('partNumber')) return multipart.uploadPart;
      if (has('tagging')) return objects.putObjectTagging;
      if (header(req, 'x-amz-copy-source') !== undefined) return objects.copyObject;
      return objects.putObject;
    case 'GET':
      if (has('uploadId')) return multipart.listParts;
      if (has('tagging')) return objects.getObjectTagging;
      return objects.getObject;
    case 'HEAD':
      return objects.headObject;
    case 'DELETE':
      if (has('uploadId')) return multipart.abortMultipartUpload;
      if (has('tagging')) return objects.deleteObjectTagging;
      return objects.deleteObject;
    case 'POST':
      if (has('uploads')) return multipart.createMultipartUpload;
      if (has('uploadId')) return multipart.completeMultipartUpload;
  }
  throw new MethodNotAllowed();
}

/** Bucket and key from the rewritten path: the key is everything after the bucket, percent-decoded once. */
function target(url: string): { bucket: string; key: string } {
  const path = url.split('?')[0]!.slice(PREFIX.length).replace(/^\//, '');
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path, 'bucket'), key: '' };
  return { bucket: decode(path.slice(0, slash), 'bucket'), key: decode(path.slice(slash + 1), 'key') };
}

function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  let error: S3Error;
  if (err instanceof S3Error) error = err;
  else if (err instanceof AuthFailure) error = s3AuthError(err);
  else if (err instanceof ServiceUnavailable) error = new S3ServiceUnavailable(err.message);
  else if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as { code?: string }).code === 'ECONNRESET') error = new IncompleteBody('The request body ended before its declared length.');
  else {
    request.log.error({ err }, 'unexpected error in the S3 API');
    error = new InternalError(String(request.id));
  }
  reply.status(error.status).header('x-amz-request-id', request.id);
  // A HEAD, and a 304, carry no body; S3 names the code in no header either.
  if (request.method === 'HEAD' || error.status === 304) return reply.send();
  return reply.header('content-type', 'application/xml').send(
    xmlErrorDocument({
      Code: error.awsType,
      Message: error.message,
      ...(error.fields as Record<string, string>),
      Resource: request.url.split('?')[0]!.slice(PREFIX.length) || '/',
      RequestId: request.id,
    }),
  );
}

async function handle(ctx: S3ApiContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const { bucket, key } = target(request.url);
    const query = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
    const account = request.caller?.accountId ?? ctx.accountId;
    const req: S3Request = { ctx, request, reply, bucket, key, query, info: { requestId: String(request.id), sourceIp: request.ip, traceHeader: headerOf(request.raw, 'traceparent') ?? headerOf(request.raw, 'x-amzn-trace-id') }, account };
    reply.header('x-amz-request-id', request.id).header('x-amz-id-2', request.id);
    const handler = route(request.method, bucket === '' ? 'service' : key === '' ? 'bucket' : 'object', query, req);
    // The handlers are named for their operations (putObject → PutObject), for the audit log.
    if (handler.name) request.operation = handler.name[0]!.toUpperCase() + handler.name.slice(1);
    return await handler(req);
  } catch (err) {
    return sendError(request, reply, err);
  }
}

/** The S3 API plugin of the edge. */
export function s3Api(ctx: S3ApiContext): HttpPlugin {
  return {
    rewriteUrl: s3Url,
    register(app) {
      // Bodies stream to the blob store from the handler: the edge's buffering reader is replaced by one that reads nothing.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
      const handler = (request: FastifyRequest, reply: FastifyReply) => handle(ctx, request, reply);
      // Gust's own route (not S3's) for `gust buckets`: the caller's buckets.
      app.get('/gust/buckets', async (request) => {
        const account = request.caller?.accountId ?? ctx.accountId;
        return { buckets: (await ctx.service.report()).filter((bucket) => bucket.owner === account) };
      });
      // Every account reaches S3 (bucket names are global); the service lets each use only its own buckets.
      for (const url of [PREFIX, `${PREFIX}/*`]) {
        app.route({ method: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'], url, exposeHeadRoute: false, config: { hotPath: true, auth: 'streamed-body' }, handler });
      }
    },
  };
}
