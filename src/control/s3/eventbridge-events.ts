/**
 * The events a bucket with EventBridge enabled sends to the default event bus: one per
 * object change, whatever the bucket's other notification configurations say, in the
 * envelope and `detail` S3 uses (the key as it is, not URL-encoded as in notification
 * records).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
import { randomUUID } from 'node:crypto';
import type { EventContext } from './event-records.js';

/** What S3 calls each event it raises on EventBridge, and the `reason` it gives. */
const KINDS: Record<string, { detailType: string; reason?: string }> = {
  'ObjectCreated:Put': { detailType: 'Object Created', reason: 'PutObject' },
  'ObjectCreated:Post': { detailType: 'Object Created', reason: 'POST Object' },
  'ObjectCreated:Copy': { detailType: 'Object Created', reason: 'CopyObject' },
  'ObjectCreated:CompleteMultipartUpload': { detailType: 'Object Created', reason: 'CompleteMultipartUpload' },
  'ObjectRemoved:Delete': { detailType: 'Object Deleted', reason: 'DeleteObject' },
  'ObjectTagging:Put': { detailType: 'Object Tags Added' },
  'ObjectTagging:Delete': { detailType: 'Object Tags Deleted' },
};

/** The default bus's ARN: the outbox's destination for these events. */
export function defaultBusArn(region: string, accountId: string): string {
  return `arn:aws:events:${region}:${accountId}:event-bus/default`;
}

/** Epoch milliseconds as EventBridge writes `time`: UTC, whole seconds. */
function envelopeTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The EventBridge event of one object change, or undefined for a change S3 does not
 * publish there. Its id is fixed here, so a redelivery after a crash carries the same id.
 */
export function eventBridgeEvent(
  bucket: string,
  object: { key: string; size: number; etag: string },
  ctx: EventContext & { accountId: string },
): Record<string, unknown> | undefined {
  const kind = KINDS[ctx.eventName];
  if (!kind) return undefined;
  const etag = object.etag.replace(/"/g, '');
  const removed = ctx.eventName.startsWith('ObjectRemoved:');
  const tagging = ctx.eventName.startsWith('ObjectTagging:');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': kind.detailType,
    source: 'aws.s3',
    account: ctx.accountId,
    time: envelopeTime(ctx.eventTime),
    region: ctx.region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: removed ? { key: object.key, sequencer: ctx.sequencer } : tagging ? { key: object.key, etag } : { key: object.key, size: object.size, etag, sequencer: ctx.sequencer },
      'request-id': ctx.requestId,
      requester: ctx.accountId,
      ...(tagging ? {} : { 'source-ip-address': ctx.sourceIp }),
      ...(kind.reason === undefined ? {} : { reason: kind.reason }),
      ...(removed ? { 'deletion-type': 'Permanently Deleted' } : {}),
    },
  };
}
