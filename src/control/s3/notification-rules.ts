/**
 * Bucket notification configurations: validating one as S3 does (known event types, at
 * most one prefix and one suffix rule, no two configurations that could both match the same
 * event), and choosing the configurations an event matches.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
 */
import type { BucketNotification, BucketRecord } from '../../core/model/buckets.js';
import { InvalidNotificationConfiguration } from '../../core/s3-errors.js';

/** The event types S3 publishes that Gust raises, and the wildcards over them. */
export const EVENT_TYPES = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
] as const;

/** A configuration as the client sent it, before validation. */
export interface NotificationInput {
  id?: string | undefined;
  functionArn?: string | undefined;
  queueArn?: string | undefined;
  events: string[];
  filterRules: { name: string; value: string }[];
}

/** Whether two event types (each possibly a `…:*` wildcard) can name the same event. */
function eventsOverlap(a: string, b: string): boolean {
  const family = (e: string) => e.split(':').slice(0, 2).join(':');
  if (a === b) return true;
  return family(a) === family(b) && (a.endsWith(':*') || b.endsWith(':*'));
}

/** Whether some key can pass both filters (a prefix of one is a prefix of the other, likewise suffixes). */
function filtersOverlap(a: BucketNotification, b: BucketNotification): boolean {
  const pa = a.prefix ?? '';
  const pb = b.prefix ?? '';
  const sa = a.suffix ?? '';
  const sb = b.suffix ?? '';
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/**
 * Whether a destination takes the bucket's events: S3 asks Lambda or SQS when a
 * configuration is saved. Each gets the bucket's owner: the destination's account (its
 * ARN's, or the owner's for a bare function name) decides which account answers, and the
 * owner is the source account a policy may name.
 */
export interface DestinationCheck {
  /** The function exists and its resource policy lets `s3.amazonaws.com` invoke it for `bucket`. */
  functionAccepts(arn: string, bucket: string, ownerAccount: string): boolean;
  queueExists(arn: string, ownerAccount: string): boolean;
}

/**
 * Validates a bucket's LambdaFunctionConfigurations and QueueConfigurations, overlaps
 * checked across both, each destination checked as S3 checks it. Returns them with ids
 * filled in.
 */
export function validateNotifications(target: Pick<BucketRecord, 'name' | 'owner'>, inputs: NotificationInput[], destinations: DestinationCheck, newId: () => string): BucketNotification[] {
  const bucket = target.name;
  const out: BucketNotification[] = [];
  for (const input of inputs) {
    if (!input.functionArn === !input.queueArn) throw new InvalidNotificationConfiguration('Each configuration must name one destination (a Function or a Queue).');
    if (input.events.length === 0) throw new InvalidNotificationConfiguration('At least one event type must be given.');
    for (const e of input.events) {
      if (!(EVENT_TYPES as readonly string[]).includes(e)) throw new InvalidNotificationConfiguration(`The event is not supported for notifications: ${e}`);
    }
    const n: BucketNotification = { id: input.id || newId(), ...(input.functionArn ? { functionArn: input.functionArn } : { queueArn: input.queueArn! }), events: [...new Set(input.events)] };
    for (const rule of input.filterRules) {
      const name = rule.name.toLowerCase();
      if (name !== 'prefix' && name !== 'suffix') throw new InvalidNotificationConfiguration('filter rule name must be either prefix or suffix');
      if (n[name] !== undefined) throw new InvalidNotificationConfiguration(`Cannot specify more than one ${name} rule in a filter.`);
      n[name] = rule.value;
    }
    if (n.functionArn !== undefined && !destinations.functionAccepts(n.functionArn, bucket, target.owner)) {
      throw new InvalidNotificationConfiguration(
        `Unable to validate the following destination configurations: ${n.functionArn} (the function must exist and its resource policy allow s3.amazonaws.com to invoke it for arn:aws:s3:::${bucket}: aws lambda add-permission --principal s3.amazonaws.com --source-arn arn:aws:s3:::${bucket} ...)`,
      );
    }
    if (n.queueArn !== undefined && !destinations.queueExists(n.queueArn, target.owner)) throw new InvalidNotificationConfiguration(`Unable to validate the following destination configurations: ${n.queueArn}`);
    out.push(n);
  }
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i]!;
      const b = out[j]!;
      if (a.id === b.id) throw new InvalidNotificationConfiguration('Configuration ids must be unique.');
      if (a.events.some((x) => b.events.some((y) => eventsOverlap(x, y))) && filtersOverlap(a, b)) {
        throw new InvalidNotificationConfiguration('Configurations overlap. Configurations on the same bucket cannot share a common event type.');
      }
    }
  }
  return out;
}

/** The configurations that `eventName` (`ObjectCreated:Put`, …) on `key` matches. */
export function matchingNotifications(configs: readonly BucketNotification[], eventName: string, key: string): BucketNotification[] {
  const full = `s3:${eventName}`;
  return configs.filter(
    (c) =>
      c.events.some((e) => e === full || (e.endsWith(':*') && full.startsWith(e.slice(0, -1)))) &&
      key.startsWith(c.prefix ?? '') &&
      key.endsWith(c.suffix ?? ''),
  );
}
