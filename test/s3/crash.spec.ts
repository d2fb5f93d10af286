/**
 * `gust serve` as users run it, 500 uploads to a bucket whose notifications go to a
 * function, and the server killed with SIGKILL as soon as the 500th upload is answered:
 * after a restart on the same data dir, every upload's notification reaches the function
 * at least once (the outbox commits with the object; duplicates are counted and printed).
 * Then `gust buckets` on what is left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { crashRig, ROOT, serve, type ServerProcess } from '../helpers/gust-process.js';
import { ARN_PREFIX, createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { allowS3, CREDENTIALS } from './support.js';

const UPLOADS = 500;
const SINK = `
const fs = require('fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT, event.Records.map((r) => r.s3.object.key + '\\n').join(''));
};
`;
const SERVE_ARGS = ['--keep-alive', '30s', '--sandbox', 'process'];

const clientOf = (server: ServerProcess) => new S3Client({ endpoint: server.url, region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });

function handled(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('gust serve: bucket notifications across a kill -9', () => {
  const rig = crashRig('gust-s3-crash');

  it('delivers the notification of every one of 500 acknowledged uploads at least once', async () => {
    const file = join(rig.out, 'sink.txt');
    rig.server = await serve(rig.dataDir, SERVE_ARGS);
    const s3 = clientOf(rig.server);
    await createFunction(rig.server.lambda, 'sink', { files: { 'index.js': SINK }, Timeout: 10, Environment: { Variables: { OUT: file } } });
    await s3.send(new CreateBucketCommand({ Bucket: 'crash' }));
    await allowS3(rig.server.lambda, 'sink', 'crash');
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'crash', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: `${ARN_PREFIX}sink`, Events: ['s3:ObjectCreated:*'] }] } }));
    const keys = Array.from({ length: UPLOADS }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < keys.length) {
          const Key = keys[next++]!;
          await s3.send(new PutObjectCommand({ Bucket: 'crash', Key, Body: Key }));
        }
      }),
    );
    rig.server.child.kill('SIGKILL');
    await rig.server.exited;
    s3.destroy();
    rig.server.lambda.destroy();
    const before = new Set(handled(file)).size;

    rig.server = await serve(rig.dataDir, SERVE_ARGS);
    const counts = await waitFor('every upload handled', () => {
      const counts = new Map<string, number>();
      for (const key of handled(file)) counts.set(key, (counts.get(key) ?? 0) + 1);
      return keys.every((k) => counts.has(k)) ? counts : undefined;
    }, 90_000, 100);
    const duplicates = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
    console.log(`kill -9 right after ${UPLOADS} uploads answered (${before} handled by then): after the restart all ${UPLOADS} handled, ${duplicates} twice (at-least-once)`);
    expect(counts.size).toBe(UPLOADS);
  }, 180_000);

  it('gust buckets shows the bucket, its objects and bytes, and the function it notifies', () => {
    const gust = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bin/gust.js'), ...args], { env: { ...process.env, GUST_ENDPOINT: rig.server!.url }, encoding: 'utf8' });
    const buckets = gust('buckets');
    expect(buckets).toMatch(/^BUCKET\s+OBJECTS\s+SIZE\s+NOTIFIES$/m);
    expect(buckets).toMatch(/^crash\s+500\s+2\.9 KB\s+sink$/m);
    expect(JSON.parse(gust('buckets', '--json'))[0]).toMatchObject({ name: 'crash', objects: 500, bytes: 3000, notifications: [`${ARN_PREFIX}sink`] });
  });
});
