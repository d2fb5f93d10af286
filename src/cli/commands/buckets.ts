/**
 * `gust buckets`: every S3 bucket with its objects, bytes and the functions its
 * notifications invoke, from the server's `/gust/buckets` route.
 */
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { table } from '../output.js';
import { runCommand } from '../run.js';

interface BucketReport {
  name: string;
  createdAt: number;
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
  const rows = buckets.map((b) => [b.name, String(b.objects), size(b.bytes), b.notifications.length === 0 ? '-' : b.notifications.map((arn) => arn.split(':function:').pop()).join(', ')]);
  return table(['BUCKET', 'OBJECTS', 'SIZE', 'NOTIFIES'], rows);
}

export function registerBuckets(program: Command): void {
  program
    .command('buckets')
    .description('List S3 buckets: objects, bytes and the functions their notifications invoke')
    .action(async (_flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        const { buckets } = await fetchGust<{ buckets: BucketReport[] }>(target, '/gust/buckets');
        print(json ? JSON.stringify(buckets, null, 2) : renderBuckets(buckets));
      }),
    );
}
