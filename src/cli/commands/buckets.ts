/**
 * `gust buckets`: every S3 bucket with its objects, bytes and the functions its
 * notifications invoke, from the server's `/gust/buckets` route. `gust buckets link
 * <bucket>` makes a bucket that stands for one of an external S3-compatible store and
 * prints how to send that store's events to Gust.
 */
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { CliError, table } from '../output.js';

import { runCommand } from '../run.js';

interface BucketReport {
  name: string;
  /** The account that owns the bucket. */
  owner: string;
  createdAt: number;
  external: boolean;
  objects: number;
  bytes: number;
  notifications: string[];
}

/** Bytes as the other commands show sizes: B, KB, MB, GB with one decimal. */
function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function renderBuckets(buckets: BucketReport[]): string {
  if (buckets.length === 0) return 'no buckets';
  const rows = buckets.map((b) => [
    b.external ? `${b.name} (external)` : b.name,
    b.external ? '-' : String(b.objects),
    b.external ? '-' : size(b.bytes),
    b.notifications.length === 0 ? '-' : b.notifications.map((arn) => arn.split(':function:').pop()).join(', '),
  ]);
  return table(['BUCKET', 'OBJECTS', 'SIZE', 'NOTIFIES'], rows);
}

/** What to tell the external store, for the two kinds Gust is tested with. */
function linkInstructions(link: { Bucket: string; Webhook: string; Token: string }): string {
  return [
    `bucket ${link.Bucket} now stands for the external store's bucket of that name.`,
    'Set its notification configuration with S3\'s API (aws s3api put-bucket-notification-configuration --endpoint-url <gust>),',
    'then have the store send its events to Gust, by webhook:',
    `  MinIO: mc admin config set <alias> notify_webhook:gust endpoint=${link.Webhook} auth_token=${link.Token}`,
    `         mc event add <alias>/${link.Bucket} arn:minio:sqs::gust:webhook --event put,delete`,
    `  Ceph:  push-endpoint=${link.Webhook}?token=${link.Token}`,
    'or through AMQP: start Gust with --s3-events-amqp amqp://<broker>/?exchange=<the store\'s exchange>&routing_key=<its key>.',
  ].join('\n');
}

export function registerBuckets(program: Command): void {
  program
    .command('buckets [action] [bucket]')
    .description('List S3 buckets: objects, bytes and the functions their notifications invoke; `buckets link <bucket>` links a bucket of an external S3-compatible store')
    .action(async (action: string | undefined, bucket: string | undefined, _flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        if (action !== undefined) {
          if (action !== 'link' || bucket === undefined) throw new CliError('usage: gust buckets, or gust buckets link <bucket>');
          const link = await fetchGust<{ Bucket: string; Webhook: string; Token: string }>(target, '/gust/external-buckets', { Bucket: bucket });
          print(json ? JSON.stringify(link, null, 2) : linkInstructions(link));
          return;
        }
        const { buckets } = await fetchGust<{ buckets: BucketReport[] }>(target, '/gust/buckets');
        print(json ? JSON.stringify(buckets, null, 2) : renderBuckets(buckets));
      }),
    );
}
