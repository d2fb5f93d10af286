/**
 * The bucket operations: CreateBucket, HeadBucket, ListBuckets, DeleteBucket,
 * GetBucketLocation, ListObjectsV2 (and the older ListObjects some clients still send),
 * bucket tagging and the notification configuration.
 */
import type { FastifyReply } from 'fastify';
import { canonicalUserId } from '../../core/arn.js';
import { InvalidArgument } from '../../core/s3-errors.js';
import type { NotificationInput } from '../../control/s3/notification-rules.js';
import type { BucketNotification } from '../../core/model/buckets.js';
import { pageSize, smallBody, type S3Request } from './s3-request.js';
import { items, parseTagging, parseXml, tagSet, text, xmlDocument } from './s3-xml.js';

/** The Owner element of an account's listings: its canonical user id, and the account in DisplayName. */
function owner(account: string): { ID: string; DisplayName: string } {
  return { ID: canonicalUserId(account), DisplayName: account };
}

function xml(reply: FastifyReply, body: string): FastifyReply {
  return reply.status(200).header('content-type', 'application/xml').send(body);
}

export async function createBucket(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.createBucket(req.account, req.bucket);
  return req.reply.status(200).header('location', `/${req.bucket}`).send();
}

export async function headBucket(req: S3Request): Promise<FastifyReply> {
  const bucket = await req.ctx.service.bucket(req.account, req.bucket);
  return req.reply.status(200).header('x-amz-bucket-region', bucket.region).send();
}

export async function deleteBucket(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.deleteBucket(req.account, req.bucket);
  return req.reply.status(204).send();
}

export async function listBuckets(req: S3Request): Promise<FastifyReply> {
  const buckets = await req.ctx.service.buckets(req.account);
  return xml(req.reply, xmlDocument('ListAllMyBucketsResult', {
    Owner: owner(req.account),
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt).toISOString(), BucketRegion: b.region })) },
  }));
}

export async function getBucketLocation(req: S3Request): Promise<FastifyReply> {
  const bucket = await req.ctx.service.bucket(req.account, req.bucket);
  // S3 answers us-east-1 as an empty constraint.
  return xml(req.reply, xmlDocument('LocationConstraint', { '#text': bucket.region === 'us-east-1' ? '' : bucket.region }));
}

/** ListObjectsV2 (`list-type=2`) and ListObjects (V1, with `marker`). */
export async function listObjects(req: S3Request): Promise<FastifyReply> {
  const v2 = req.query.get('list-type') === '2';
  const encodingType = req.query.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') throw new InvalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  const encode = (s: string) => (encodingType === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const prefix = req.query.get('prefix') ?? '';
  const delimiter = req.query.get('delimiter') || undefined;
  const limit = pageSize(req, 'max-keys');
  const token = req.query.get('continuation-token') ?? undefined;
  const startAfter = (v2 ? req.query.get('start-after') : req.query.get('marker')) ?? undefined;
  const result = await req.ctx.service.list(req.account, req.bucket, { prefix, delimiter, maxKeys: limit, startAfter, continuationToken: v2 ? token : undefined });
  const contents = result.contents.map((o) => ({
    Key: encode(o.key),
    LastModified: new Date(o.lastModified).toISOString(),
    ETag: o.etag,
    ...(Object.keys(o.checksums).length > 0 ? { ChecksumAlgorithm: Object.keys(o.checksums).map((a) => a.toUpperCase()) } : {}),
    Size: o.size,
    ...(v2 && req.query.get('fetch-owner') !== 'true' ? {} : { Owner: owner(req.account) }),
    StorageClass: 'STANDARD',
  }));
  const common = {
    Name: req.bucket,
    Prefix: encode(prefix),
    ...(delimiter === undefined ? {} : { Delimiter: encode(delimiter) }),
    MaxKeys: limit,
    ...(encodingType ? { EncodingType: encodingType } : {}),
    IsTruncated: result.isTruncated,
    Contents: contents,
    CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  };
  if (v2) {
    return xml(req.reply, xmlDocument('ListBucketResult', {
      ...common,
      KeyCount: contents.length + result.commonPrefixes.length,
      ...(token === undefined ? {} : { ContinuationToken: token }),
      ...(result.nextContinuationToken === undefined ? {} : { NextContinuationToken: result.nextContinuationToken }),
      ...(startAfter === undefined ? {} : { StartAfter: encode(startAfter) }),
    }));
  }
  // V1 names the next marker only with a delimiter; without one the client takes the last key.
  const last = [...result.contents.map((o) => o.key), ...result.commonPrefixes].sort().pop();
  return xml(req.reply, xmlDocument('ListBucketResult', {
    ...common,
    Marker: encode(startAfter ?? ''),
    ...(result.isTruncated && delimiter !== undefined && last !== undefined ? { NextMarker: encode(last) } : {}),
  }));
}

export async function getBucketTagging(req: S3Request): Promise<FastifyReply> {
  return xml(req.reply, xmlDocument('Tagging', tagSet(await req.ctx.service.bucketTags(req.account, req.bucket))));
}

export async function putBucketTagging(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.setBucketTags(req.account, req.bucket, parseTagging(await smallBody(req)));
  return req.reply.status(204).send();
}

export async function deleteBucketTagging(req: S3Request): Promise<FastifyReply> {
  await req.ctx.service.setBucketTags(req.account, req.bucket, {});
  return req.reply.status(204).send();
}

export async function getNotificationConfiguration(req: S3Request): Promise<FastifyReply> {
  const { configurations: configs, eventBridge } = await req.ctx.service.notificationConfiguration(req.account, req.bucket);
  const filter = (c: BucketNotification) =>
    c.prefix === undefined && c.suffix === undefined
      ? {}
      : { Filter: { S3Key: { FilterRule: [...(c.prefix === undefined ? [] : [{ Name: 'Prefix', Value: c.prefix }]), ...(c.suffix === undefined ? [] : [{ Name: 'Suffix', Value: c.suffix }])] } } };
  return xml(req.reply, xmlDocument('NotificationConfiguration', {
    QueueConfiguration: configs.filter((c) => c.queueArn).map((c) => ({ Id: c.id, Queue: c.queueArn, Event: c.events, ...filter(c) })),
    CloudFunctionConfiguration: configs.filter((c) => c.functionArn).map((c) => ({ Id: c.id, CloudFunction: c.functionArn, Event: c.events, ...filter(c) })),
    ...(eventBridge ? { EventBridgeConfiguration: '' } : {}),
  }));
}

export async function putNotificationConfiguration(req: S3Request): Promise<FastifyReply> {
  const doc = parseXml(await smallBody(req), 'NotificationConfiguration');
  if (items(doc, 'TopicConfiguration').length > 0) {
    throw new InvalidArgument('Gust delivers bucket notifications to functions, queues and EventBridge only (no SNS topics).');
  }
  const configs = [...items(doc, 'LambdaFunctionConfiguration'), ...items(doc, 'CloudFunctionConfiguration'), ...items(doc, 'QueueConfiguration')];
  const inputs: NotificationInput[] = configs.map((c) => {
    const filter = (c['Filter'] as Record<string, unknown> | undefined)?.['S3Key'];
    return {
      id: text(c, 'Id'),
      functionArn: text(c, 'CloudFunction') ?? text(c, 'Function'),
      queueArn: text(c, 'Queue'),
      events: Array.isArray(c['Event']) ? (c['Event'] as unknown[]).filter((e): e is string => typeof e === 'string') : [],
      filterRules: items(filter, 'FilterRule').map((r) => ({ name: text(r, 'Name') ?? '', value: text(r, 'Value') ?? '' })),
    };
  });
  await req.ctx.service.setNotificationConfiguration(req.account, req.bucket, inputs, doc['EventBridgeConfiguration'] !== undefined, req.info);
  return req.reply.status(200).send();
}
