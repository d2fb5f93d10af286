/**
 * Bucket events from S3-compatible stores users already run (MinIO, Ceph's object gateway,
 * versitygw), read into one shape so that Gust can announce them exactly as S3 would. Each
 * sends S3-like records by webhook or AMQP, but not S3's: MinIO's say `minio:s3`, prefix
 * the event name with `s3:`, add `source`, `userDefined` and `x-minio-*` fields and give the
 * source IP with its port; Ceph's say `ceph:s3`, may give the size as a string and keep the
 * key unencoded. Only what an `aws:s3` record holds is kept.
 * https://min.io/docs/minio/linux/administration/monitoring/bucket-notifications.html
 * https://docs.ceph.com/en/latest/radosgw/notifications/#events
 */
import { InvalidArgument } from '../../core/s3-errors.js';

/** One object change in another store, as Gust announces it. */
export interface ExternalEvent {
  bucket: string;
  /** The key itself, decoded. */
  key: string;
  /** S3's name for it: `ObjectCreated:Put`, `ObjectRemoved:Delete`, … */
  eventName: string;
  size: number;
  /** Without quotes. */
  etag: string;
  /** ms since the epoch. */
  eventTime: number;
  sourceIp: string;
  requestId: string;
  /** The store's own sequencer when it gave one in hex. */
  sequencer?: string;
}

/** At most this many records in one delivery: a webhook body or an AMQP message. */
export const MAX_RECORDS = 1000;

const KINDS = /^(ObjectCreated|ObjectRemoved|ObjectTagging):[A-Za-z*]+$/;

function field(node: unknown, ...path: string[]): unknown {
  let at = node;
  for (const name of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A key as S3-style records carry it: form-encoded (`+` a space) unless the store sends it raw. */
function decodeKey(raw: string, source: string): string {
  if (source === 'ceph:s3') return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** `1.2.3.4:5678` and `[::1]:5678` without the port, as S3 gives it. */
function hostOnly(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return v4 ? v4[1]! : address;
}

function readRecord(record: unknown, now: number): ExternalEvent | undefined {
  const source = str(field(record, 'eventSource')) ?? '';
  const eventName = (str(field(record, 'eventName')) ?? '').replace(/^s3:/, '');
  const bucket = str(field(record, 's3', 'bucket', 'name'));
  const rawKey = str(field(record, 's3', 'object', 'key'));
  if (bucket === undefined || rawKey === undefined || rawKey === '') throw new InvalidArgument('Each record needs s3.bucket.name and s3.object.key.');
  // Accessed, restore and replication events have no S3 notification Gust raises.
  if (!KINDS.test(eventName)) return undefined;
  const size = Number(field(record, 's3', 'object', 'size') ?? 0);
  const time = Date.parse(str(field(record, 'eventTime')) ?? '');
  const sequencer = str(field(record, 's3', 'object', 'sequencer'));
  return {
    bucket,
    key: decodeKey(rawKey, source),
    eventName,
    size: Number.isFinite(size) && size >= 0 ? size : 0,
    etag: (str(field(record, 's3', 'object', 'eTag')) ?? '').replace(/"/g, ''),
    eventTime: Number.isNaN(time) ? now : time,
    sourceIp: hostOnly(str(field(record, 'requestParameters', 'sourceIPAddress')) ?? ''),
    requestId: str(field(record, 'responseElements', 'x-amz-request-id')) ?? '',
    ...(sequencer !== undefined && /^[0-9A-Fa-f]{1,64}$/.test(sequencer) ? { sequencer: sequencer.toUpperCase() } : {}),
  };
}

/**
 * The object changes in one delivery (`{"Records": [...]}`, MinIO's with `EventName` and
 * `Key` beside them); records of kinds S3 does not notify are left out.
 */
export function readExternalEvents(body: unknown, now: number): ExternalEvent[] {
  const records = field(body, 'Records');
  if (!Array.isArray(records)) throw new InvalidArgument('Expected a JSON object with a Records array, as S3-compatible stores send bucket events.');
  if (records.length > MAX_RECORDS) throw new InvalidArgument(`At most ${MAX_RECORDS} records in one delivery.`);
  return records.flatMap((r) => readRecord(r, now) ?? []);
}
