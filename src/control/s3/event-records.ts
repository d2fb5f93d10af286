/**
 * S3's event notification record, as a function receives it: one record per event in
 * `{"Records": [...]}`, eventVersion 2.1, the key URL-encoded as S3 encodes it (form
 * encoding: a space is `+`, `/` stays), the eTag without quotes, and a sequencer that
 * orders the events of one key.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
import { canonicalUserId } from '../../core/arn.js';
import type { BucketNotification, BucketRecord, ObjectRecord } from '../../core/model/buckets.js';

/** What an event says besides the object: its name, time, request and sequencer. */
export interface EventContext {
  eventName: string;
  eventTime: number;
  region: string;
  requestId: string;
  sourceIp: string;
  sequencer: string;
}

/** The key as S3 writes it in events: `encodeURIComponent` with Java's form-encoding differences. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The record of one event; a removal has no size or eTag, as in S3's. Only a bucket's
 * owner writes to it (Gust has no bucket policies), so the requester is the owner:
 * `AWS:<account>` as the user, the owner's canonical user id as the bucket's owner.
 */
export function eventRecord(config: BucketNotification, bucket: Pick<BucketRecord, 'name' | 'owner'>, object: Pick<ObjectRecord, 'key' | 'size' | 'etag'>, ctx: EventContext, removed: boolean): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: ctx.region,
    eventTime: new Date(ctx.eventTime).toISOString(),
    eventName: ctx.eventName,
    userIdentity: { principalId: `AWS:${bucket.owner}` },
    requestParameters: { sourceIPAddress: ctx.sourceIp },
    responseElements: { 'x-amz-request-id': ctx.requestId, 'x-amz-id-2': ctx.requestId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: config.id,
      bucket: { name: bucket.name, ownerIdentity: { principalId: canonicalUserId(bucket.owner) }, arn: `arn:aws:s3:::${bucket.name}` },
      object: removed
        ? { key: encodeEventKey(object.key), sequencer: ctx.sequencer }
        : { key: encodeEventKey(object.key), size: object.size, eTag: object.etag.replace(/"/g, ''), sequencer: ctx.sequencer },
    },
  };
}
